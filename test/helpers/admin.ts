// Calls to the admin API as an operator's script would make them.
import { TEST_ADMIN_TOKEN } from './ingress';

export interface AdminAnswer { status: number; body: Record<string, any> }

export async function admin(baseUrl: string, method: 'GET' | 'POST', path: string, opts: { body?: unknown; token?: string | null } = {}): Promise<AdminAnswer> {
  const token = opts.token === undefined ? TEST_ADMIN_TOKEN : opts.token;
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(token !== null && { authorization: `Bearer ${token}` }), ...(opts.body !== undefined && { 'content-type': 'application/json' }) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

