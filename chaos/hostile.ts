// The hostile requests of the flood, one kind per index: what an attacker or a broken client
// sends. Each kind says which answer it should get; none may be acknowledged (2xx).
import { signedHeaders } from '../bench/events';
import { WEBHOOK_PATH } from './provider';

export interface HostileRequest {
  kind: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
  /** The answer it should get. */
  expect: number;
}

const validBody = (i: number) => JSON.stringify({ id: `evt_hostile_${i}`, type: 'payment.succeeded', created_at: '2026-11-23T10:00:00Z', data: { payment_id: 'p', order_id: `ord_hostile_${i}`, amount: 1, currency: 'EUR', customer: { email: 'x@hostile.example' }, items: [] } });

const KINDS: ((i: number) => HostileRequest)[] = [
  (i) => ({ kind: 'bad signature', path: WEBHOOK_PATH, headers: { ...signedHeaders(validBody(i)), 'x-hookflow-signature': `sha256=${'0'.repeat(64)}` }, body: validBody(i), expect: 401 }),
  (i) => ({ kind: 'stale signature', path: WEBHOOK_PATH, headers: signedHeaders(validBody(i), undefined, Date.now() - 3_600_000), body: validBody(i), expect: 401 }),
  (i) => { const body = Buffer.from(Array.from({ length: 2048 }, (_, k) => (i * 31 + k * 17) % 256)); return { kind: 'garbage', path: WEBHOOK_PATH, headers: { 'content-type': 'application/json', 'x-hookflow-timestamp': String(Math.floor(Date.now() / 1000)), 'x-hookflow-signature': 'sha256=garbage' }, body, expect: 401 }; },
  (i) => ({ kind: 'huge headers', path: WEBHOOK_PATH, headers: { ...signedHeaders(validBody(i)), 'x-padding': 'a'.repeat(20_000) }, body: validBody(i), expect: 431 }),
  () => { const body = `${'['.repeat(20_000)}${']'.repeat(20_000)}`; return { kind: 'deep JSON (signed)', path: WEBHOOK_PATH, headers: signedHeaders(body), body, expect: 400 }; },
  (i) => ({ kind: 'unknown source', path: `/webhooks/nope-${i % 50}`, headers: signedHeaders(validBody(i)), body: validBody(i), expect: 404 }),
  (i) => { const body = JSON.stringify({ id: `evt_hostile_${i}`, type: 'payment.succeeded', created_at: 7, data: { amount: 'lots' } }); return { kind: 'wrong types (signed)', path: WEBHOOK_PATH, headers: signedHeaders(body), body, expect: 422 }; },
  (i) => ({ kind: 'utf-16 content type (signed)', path: WEBHOOK_PATH, headers: { ...signedHeaders(validBody(i)), 'content-type': 'application/json-patch+json; charset=utf-16' }, body: validBody(i), expect: 415 }),
];

export function hostileRequest(i: number): HostileRequest {
  return KINDS[i % KINDS.length](i);
}
