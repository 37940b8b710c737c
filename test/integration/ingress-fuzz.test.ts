// Hostile input, property-based (fast-check, fixed seed, bounded count): random bodies, headers,
// encodings, sizes and signatures against the real ingress on a socket with a real delivery store.
// Never a 5xx, never a crash, never a run for a refused request, and each refusal's record says why.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { createLogger } from '../../lib/logger';
import { type StoreStack, TEST_SECRET, recordingStarter, shippedDefinitions, startIngress, startStoreStack, type TestIngress } from '../helpers/ingress';
import { paymentSucceeded, uid } from '../helpers/events';
import { signHmac } from '../../verification/hmac';

const PAYMENTS_SIGNING = { algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', signedPayload: '{timestamp}.{body}' } as const;

const RUNS = 200;
const SEED = 20261123;

let store: StoreStack;
let ingress: TestIngress;
const starter = recordingStarter();
const logText: string[] = [];

before(async () => {
  store = await startStoreStack();
  // The production logger (with its redaction), at debug level, writing into memory.
  const sink = new Writable({ write(chunk, _enc, done) { logText.push(String(chunk)); done(); } });
  const log = createLogger({ level: 'debug', pretty: false, name: 'fuzz' }, sink);
  ingress = await startIngress({ db: store.db, definitions: shippedDefinitions(), temporalStart: starter, log });
});
after(async () => {
  await ingress?.stop();
  await store?.stop();
});

type SignatureMode = 'valid' | 'wrong-secret' | 'tampered' | 'garbage' | 'missing' | 'stale' | 'future' | 'no-timestamp' | 'bad-timestamp';

interface Case {
  source: string;
  contentType?: string;
  body: Buffer;
  signature: SignatureMode;
  garbage: string;
  extra: Record<string, string>;
}

const validEvent = fc.constant(null).map(() => Buffer.from(JSON.stringify(paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 's', quantity: 1 }] }))));
const bodies: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: validEvent },
  { weight: 2, arbitrary: fc.json().map((t) => Buffer.from(t)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }).map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 20_000 }).map((n) => Buffer.from('['.repeat(n) + ']'.repeat(n))) },
  { weight: 1, arbitrary: fc.constantFrom(
    '{"__proto__":{"polluted":true},"id":"evt_p","type":"payment.succeeded"}',
    '{"constructor":{"prototype":{"polluted":true}},"id":"evt_c","type":"payment.succeeded"}',
    '{"id":{"__proto__":1},"type":"payment.succeeded"}',
    '{"id":"evt_x","type":"payment.succeeded","data":{}}',
    '{"id":"","type":""}', 'null', '[]', '"str"', '', '{"id":"' + 'i'.repeat(400) + '","type":"payment.succeeded"}',
  ).map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: validEvent.map((b) => Buffer.concat([b.subarray(0, 10), Buffer.from([0xff, 0xfe]), b.subarray(10)])) },
  { weight: 1, arbitrary: fc.integer({ min: 262_000, max: 263_000 }).map((n) => Buffer.alloc(n, 0x20)) },
);
const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,20}$/);
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,200}$/);

const cases: fc.Arbitrary<Case> = fc.record({
  source: fc.oneof({ weight: 15, arbitrary: fc.constant('payments') }, { weight: 1, arbitrary: fc.constantFrom('nope', 'Payments', 'payments.', '%2e%2e') }),
  contentType: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(undefined, 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/cloudevents+json') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'multipart/form-data; boundary=x', '', 'application/jsonx') },
  ),
  body: bodies,
  signature: fc.constantFrom<SignatureMode>('valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'wrong-secret', 'tampered', 'garbage', 'missing', 'stale', 'future', 'no-timestamp', 'bad-timestamp'),
  garbage: headerValue,
  extra: fc.dictionary(headerName, headerValue, { maxKeys: 4 }),
});

/** Signatures sent over the wire with a valid secret: none may ever show up in the logs. */
const sentSignatures = new Set<string>();

function headersFor(c: Case): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const signedBody = c.signature === 'tampered' ? Buffer.concat([c.body, Buffer.from(' ')]) : c.body;
  const sign = (opts: { secret?: string; timestamp?: number }) => {
    const timestamp = String(opts.timestamp ?? now);
    const signature = signHmac(PAYMENTS_SIGNING, Buffer.from(opts.secret ?? TEST_SECRET), signedBody, timestamp);
    return { 'x-hookflow-timestamp': timestamp, 'x-hookflow-signature': signature } as Record<string, string>;
  };
  let h: Record<string, string>;
  switch (c.signature) {
    case 'valid': case 'tampered': h = sign({}); break;
    case 'wrong-secret': h = sign({ secret: 'not-the-secret' }); break;
    case 'stale': h = sign({ timestamp: now - 3600 }); break;
    case 'future': h = sign({ timestamp: now + 3600 }); break;
    case 'garbage': h = { ...sign({}), 'x-hookflow-signature': c.garbage }; break;
    case 'missing': h = sign({}); delete h['x-hookflow-signature']; break;
    case 'no-timestamp': h = sign({}); delete h['x-hookflow-timestamp']; break;
    case 'bad-timestamp': h = { ...sign({}), 'x-hookflow-timestamp': c.garbage }; break;
  }
  if (h['x-hookflow-signature'] && c.signature !== 'garbage') sentSignatures.add(h['x-hookflow-signature'].slice('sha256='.length));
  h['content-type'] = c.contentType ?? 'application/json';
  return { ...c.extra, ...h };
}

function send(c: Case, requestId: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${ingress.url}/webhooks/${c.source}`, { method: 'POST', headers: { ...headersFor(c), 'x-request-id': requestId } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString() }));
    });
    // A 413 may be answered before the whole body is written; the server then closes the socket.
    req.on('error', (err) => reject(err));
    req.end(c.body);
  });
}

const STABLE_CODES = new Set(['malformed_body', 'signature_missing', 'signature_invalid', 'signature_stale', 'unknown_source', 'payload_too_large', 'unsupported_media_type', 'schema_violation', 'event_header_missing', 'address_not_allowed', 'not_found']);

test(`${RUNS} hostile requests: no 5xx, no run for a refusal, every refusal recorded with its reason`, async () => {
  const outcomes = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(cases, async (c) => {
      const requestId = uid('fuzz');
      const callsBefore = starter.calls.length;
      const res = await send(c, requestId);
      outcomes.set(res.status, (outcomes.get(res.status) ?? 0) + 1);
      assert.ok(res.status < 500, `status ${res.status}: ${res.text}`);
      const body = JSON.parse(res.text) as Record<string, any>;
      const record = await ingress.deliveries.collection.findOne({ requestId });
      if (res.status >= 400) {
        assert.ok(STABLE_CODES.has(body.error?.code), `stable error code: ${res.text}`);
        assert.equal(starter.calls.length, callsBefore, 'a refused request starts nothing');
        if (res.status === 404) assert.equal(record, null, 'an unknown source has no record');
        else {
          assert.equal(record?.outcome, 'rejected');
          assert.equal(record?.reason, body.error.code, 'the record says why');
        }
      } else {
        assert.ok(['accepted', 'duplicate', 'ignored'].includes(body.status));
        assert.equal(record?.outcome ?? (await ingress.deliveries.collection.findOne({ _id: body.deliveryId }))?.outcome, body.status);
        assert.equal(starter.calls.length, callsBefore + (res.status === 202 ? 1 : 0));
      }
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  console.log(`fuzz answers by status: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
  assert.ok((outcomes.get(202) ?? 0) > 0 && [...outcomes.keys()].filter((s) => s >= 400).length >= 4, 'the cases reach both acceptance and several refusals');
  const health = await fetch(`${ingress.url}/healthz`);
  assert.equal(health.status, 200, 'the ingress is still up');
});

test('a correctly signed body with a __proto__ key is refused as malformed, starts nothing, and its record says why', async () => {
  const callsBefore = starter.calls.length;
  for (const json of ['{"__proto__":{"polluted":true},"id":"evt_p","type":"payment.succeeded"}', '{"id":"evt_q","type":"payment.succeeded","data":{"items":[{"__proto__":{}}]}}']) {
    const requestId = uid('proto');
    const res = await send({ source: 'payments', body: Buffer.from(json), signature: 'valid', garbage: '', extra: {} }, requestId);
    assert.equal(res.status, 400, res.text);
    assert.equal(JSON.parse(res.text).error.code, 'malformed_body');
    assert.match(JSON.parse(res.text).error.message, /__proto__/);
    assert.equal((await ingress.deliveries.collection.findOne({ requestId }))?.reason, 'malformed_body');
  }
  assert.equal(starter.calls.length, callsBefore);
});

test('secrets and signatures never appear in the logs', () => {
  const text = logText.join('');
  assert.ok(text.length > 0, 'something was logged');
  assert.ok(!text.includes(TEST_SECRET), 'the secret is not logged');
  for (const sig of sentSignatures) assert.ok(!text.includes(sig), 'a signature was logged');
});
