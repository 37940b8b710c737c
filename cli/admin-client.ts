// Talks to a running ingress: its admin API on the admin listener, HOOKFLOW_ADMIN_URL (default
// http://127.0.0.1:3002) and HOOKFLOW_ADMIN_TOKEN, or --url / --token; webhooks go to HOOKFLOW_URL.
import type { ParsedArgs } from './args';
import { stringOption } from './args';

export class AdminApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}

export interface AdminClient {
  get<T>(path: string, query?: Record<string, string | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

/** The ingress: --url, else HOOKFLOW_URL, else the dev stack's. */
export function ingressUrl(parsed: ParsedArgs, env = process.env): string {
  return (stringOption(parsed, 'url') ?? env.HOOKFLOW_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
}

/** The admin listener: --url, else HOOKFLOW_ADMIN_URL, else the dev stack's. */
export function adminUrl(parsed: ParsedArgs, env = process.env): string {
  return (stringOption(parsed, 'url') ?? env.HOOKFLOW_ADMIN_URL ?? 'http://127.0.0.1:3002').replace(/\/$/, '');
}

export function adminClient(parsed: ParsedArgs, env = process.env): AdminClient {
  const base = adminUrl(parsed, env);
  const token = stringOption(parsed, 'token') ?? env.HOOKFLOW_ADMIN_TOKEN;
  if (!token) throw new Error('no admin token: set HOOKFLOW_ADMIN_TOKEN (the ingress must have the same) or pass --token');
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new Error(`cannot reach the ingress's admin listener at ${base} (${(err as Error).message}); is hookflow running? set HOOKFLOW_ADMIN_URL`);
    }
    const payload = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
    if (!res.ok) throw new AdminApiError(res.status, payload.error?.code ?? 'http_error', payload.error?.message ?? `HTTP ${res.status}`);
    return payload as T;
  }
  return {
    get: (path, query) => {
      const qs = new URLSearchParams(Object.entries(query ?? {}).filter((e): e is [string, string] => e[1] !== undefined)).toString();
      return call('GET', qs ? `${path}?${qs}` : path);
    },
    post: (path, body) => call('POST', path, body ?? {}),
  };
}
