// Slow and vanishing clients, over real sockets: a body sent at 1 byte/s holds its admission slot
// only until the body deadline and is answered 408 body_timeout, recorded as such (not 500); one
// address cannot take every slot; a body cut off midway is recorded as body_aborted. Neither
// becomes an issue. Real FerretDB; runs are recorded, not started (no Temporal needed).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ClientRequest, request } from 'node:http';
import pino from 'pino';
import { type StoreStack, type TestIngress, TEST_ADMIN_TOKEN, recordingStarter, shippedDefinitions, startIngress, startStoreStack } from '../helpers/ingress';
import { paymentSucceeded, postEvent, signPayments, uid } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

let store: StoreStack;
let ingress: TestIngress;

before(async () => {
  store = await startStoreStack();
  ingress = await startIngress({
    db: store.db, definitions: shippedDefinitions(), log: pino({ level: 'silent' }), temporalStart: recordingStarter(),
    maxInFlight: 2, admission: { maxPerAddress: 1 }, bodyDeadlineMs: 1500,
    admin: { token: TEST_ADMIN_TOKEN, temporalUiUrl: 'http://127.0.0.1:1', namespace: 'default', replayConcurrency: 1 },
  });
});
after(async () => {
  await ingress?.stop();
  await store?.stop();
});

interface Answer { status: number; body: Record<string, any> }

/** Starts a signed webhook POST from `localAddress` and sends only its first byte; the test sends the rest (or not). */
function slowPost(localAddress: string, requestId: string): { req: ClientRequest; raw: string; answer: Promise<Answer> } {
  const raw = JSON.stringify(paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU-A', quantity: 1 }] }));
  const url = new URL(`${ingress.url}/webhooks/payments`);
  let req!: ClientRequest;
  const answer = new Promise<Answer>((resolve, reject) => {
    req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(raw)), 'x-request-id': requestId, ...signPayments(raw) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
  });
  req.write(raw.slice(0, 1));
  return { req, raw, answer };
}

const recordOf = (requestId: string) => waitFor(`the record of ${requestId}`, async () => (await ingress.deliveries.collection.findOne({ requestId })) ?? undefined);

/** A whole signed POST from `localAddress`. */
function fullPost(localAddress: string): Promise<Answer> {
  const post = slowPost(localAddress, uid('full'));
  post.req.end(post.raw.slice(1));
  return post.answer;
}

/** The request of `localAddress` in progress is seen by admission: another from there is refused. */
const holdsItsSlot = (localAddress: string) => waitFor(`a request from ${localAddress} to be in progress`, async () => {
  const res = await fullPost(localAddress);
  return res.status === 503 && /from this address/.test(String(res.body.error?.message)) && res;
});

test('a client at 1 byte/s holds one slot until the body deadline, then gets 408; others are admitted meanwhile', async () => {
  const slowId = uid('slow');
  const slow = slowPost('127.0.0.2', slowId);
  let sent = 1;
  const trickle = setInterval(() => { if (sent < slow.raw.length - 1) slow.req.write(slow.raw[sent++]); }, 1000);
  try {
    // The same address cannot take the second slot...
    await holdsItsSlot('127.0.0.2');
    // ...so a provider from another address is admitted while the slow body trickles in.
    const res = await postEvent(ingress.url, paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU-A', quantity: 1 }] }));
    assert.equal(res.status, 202, JSON.stringify(res.body));

    const late = await slow.answer;
    assert.equal(late.status, 408, JSON.stringify(late.body));
    assert.equal(late.body.error.code, 'body_timeout');
  } finally {
    clearInterval(trickle);
    slow.req.destroy();
  }
  const record = await recordOf(slowId);
  assert.equal(record.outcome, 'rejected');
  assert.equal(record.status, 408);
  assert.equal(record.reason, 'body_timeout');
});

test('a body cut off midway is recorded as body_aborted, not as an internal error', async () => {
  const cutId = uid('cut');
  const cut = slowPost('127.0.0.3', cutId);
  cut.answer.catch(() => undefined); // the socket is destroyed: no answer comes
  cut.req.write(cut.raw.slice(1, 20));
  await holdsItsSlot('127.0.0.3');
  cut.req.destroy();
  const record = await recordOf(cutId);
  assert.equal(record.status, 408);
  assert.equal(record.reason, 'body_aborted');
});

test('a chunked body without Content-Length gets 413 as soon as it passes the source limit, before it ends', async () => {
  const requestId = uid('chunked');
  const url = new URL(`${ingress.url}/webhooks/payments`);
  const limit = shippedDefinitions().sources.get('payments')!.maxBodyBytes;
  let req!: ClientRequest;
  const answer = new Promise<Answer>((resolve, reject) => {
    // No content-length header: node sends Transfer-Encoding: chunked, so only counting the bytes can stop it.
    req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false,
      headers: { 'content-type': 'application/json', 'x-request-id': requestId } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
  });
  assert.equal(req.getHeader('content-length'), undefined);
  req.write(`{"padding":"${'x'.repeat(limit)}`); // one byte past the limit with the opening; the body never ends
  try {
    const res = await answer;
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'payload_too_large');
    assert.equal(req.writableEnded, false, 'answered while the body was still open');
  } finally {
    req.destroy();
  }
  const record = await recordOf(requestId);
  assert.equal(record.status, 413);
  assert.equal(record.reason, 'payload_too_large');
});

test('slow and cut bodies are not issues', async () => {
  const res = await fetch(`${ingress.adminUrl}/admin/issues?kind=rejection`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  assert.equal(res.status, 200);
  const { issues } = (await res.json()) as { issues: { key: { reason: string } }[] };
  assert.deepEqual(issues.filter((i) => ['body_timeout', 'body_aborted', 'internal_error'].includes(i.key.reason)), []);
});
