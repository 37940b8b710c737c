// The ledger the shipped payment-refunded flow tells about each refund (LEDGER_API_URL), served by
// the payments sandbox under /ledger when npm start runs it and LEDGER_API_URL is not set. It
// checks what a real ledger would: the token, and the X-Signature / X-Timestamp the flow signs with.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readBody } from './request-body';

export interface LedgerRefund { refund: unknown; order: unknown; amount: unknown; idempotencyKey?: string }
export interface LedgerOptions { token: string; signingSecret: string }

/** The answer to a /ledger request: POST /ledger/refunds records a refund once per Idempotency-Key (409 after). */
export async function ledgerAnswer(req: IncomingMessage, path: string, o: LedgerOptions, refunds: LedgerRefund[]): Promise<{ status: number; body: unknown }> {
  if (req.headers.authorization !== o.token) return { status: 401, body: { error: 'Authorization must be LEDGER_API_TOKEN' } };
  if (path !== '/ledger/refunds' || req.method !== 'POST') return { status: 404, body: { error: `no ledger route for ${req.method} ${path.slice(0, 200)}` } };
  const raw = await readBody(req);
  if (raw === undefined) return { status: 413, body: { error: 'body too large' } };
  if (!signedBy(o.signingSecret, req, raw)) return { status: 401, body: { error: 'X-Signature must be sha256=<hex HMAC-SHA256 of "<X-Timestamp>.<body>"> keyed with LEDGER_SIGNING_SECRET' } };
  let body: Record<string, unknown>;
  try { body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>; } catch { return { status: 400, body: { error: 'body must be JSON' } }; }
  const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
  if (idempotencyKey && refunds.some((r) => r.idempotencyKey === idempotencyKey)) return { status: 409, body: { error: 'refund already recorded' } };
  refunds.push({ refund: body.refund, order: body.order, amount: body.amount, idempotencyKey });
  return { status: 201, body: { recorded: body.refund } };
}

function signedBy(secret: string, req: IncomingMessage, raw: Buffer): boolean {
  const ts = req.headers['x-timestamp'];
  const given = Buffer.from(String(req.headers['x-signature'] ?? ''));
  if (typeof ts !== 'string' || !/^\d+$/.test(ts)) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${ts}.`).update(raw).digest('hex')}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
