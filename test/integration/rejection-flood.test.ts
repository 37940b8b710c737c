// Unauthenticated writes are bounded: a flood of requests with bad signatures costs a bounded
// number of documents (per-minute counters and a few samples with a small body prefix), the
// rejection summary still counts every one, and valid events go on being accepted. A body in a
// charset other than UTF-8 is refused with 415, never read as UTF-8.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import type { DeliveryRecord } from '../../server/deliveries/record';
import { REJECTIONS_COLLECTION } from '../../server/deliveries/rejections';
import { TEST_ADMIN_TOKEN, type StoreStack, type TestIngress, recordingStarter, shippedDefinitions, startIngress, startStoreStack } from '../helpers/ingress';
import { admin } from '../helpers/admin';
import { paymentSucceeded, postEvent, signPayments, uid } from '../helpers/events';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const FLOOD = 400;
const SAMPLES_PER_MINUTE = 5;
let store: StoreStack;
let ingress: TestIngress;
let connection: Connection;

before(async () => {
  store = await startStoreStack();
  connection = Connection.lazy({ address: store.temporalAddress }); // the admin API's client; never called here
  ingress = await startIngress({
    db: store.db, definitions: shippedDefinitions(), temporalStart: recordingStarter(), log, client: new Client({ connection }),
    settings: { rejections: { samplesPerMinute: SAMPLES_PER_MINUTE } },
    admin: { token: TEST_ADMIN_TOKEN, temporalUiUrl: 'http://127.0.0.1:1', namespace: 'default', replayConcurrency: 1 },
  });
});
after(async () => {
  await ingress?.stop();
  await connection?.close();
  await store?.stop();
});

const deliveries = () => store.db.collection<DeliveryRecord>('hookflow_deliveries');

test(`${FLOOD} requests with bad signatures add a bounded number of documents; the summary counts them all`, async () => {
  const before = await deliveries().countDocuments();
  const padding = 'x'.repeat(16 * 1024);
  const started = new Date();
  for (let batch = 0; batch < FLOOD / 20; batch++) {
    const answers = await Promise.all(Array.from({ length: 20 }, () =>
      postEvent(ingress.url, { ...paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 's', quantity: 1 }] }), padding }, { secret: 'not-the-secret' })));
    assert.ok(answers.every((a) => a.status === 401), 'every one refused');
  }
  // A valid event sent during the flood is still accepted.
  const valid = await postEvent(ingress.url, paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 's', quantity: 1 }] }));
  assert.equal(valid.status, 202, JSON.stringify(valid.body));
  const ended = new Date();
  await ingress.deliveries.rejections.flush();

  // The flood may straddle a minute boundary: at most one counter and a few samples per minute.
  const minutes = Math.floor(ended.getTime() / 60_000) - Math.floor(started.getTime() / 60_000) + 1;
  const samples = await deliveries().find({ outcome: 'rejected', reason: 'signature_invalid' }).toArray();
  assert.ok(samples.length >= 1 && samples.length <= SAMPLES_PER_MINUTE * minutes, `${samples.length} samples kept of ${FLOOD}`);
  assert.equal(await deliveries().countDocuments() - before, samples.length + 1, 'the samples and the valid event, nothing else');
  const counters = await store.db.collection(REJECTIONS_COLLECTION).find({ reason: 'signature_invalid' }).toArray();
  assert.ok(counters.length <= minutes, `${counters.length} counter documents`);
  // No body beyond a small prefix for a request whose signature failed.
  for (const s of samples) {
    assert.equal(s.body?.truncated, true);
    assert.ok(Buffer.byteLength(s.body!.text) <= 256, `${Buffer.byteLength(s.body!.text)} bytes kept`);
  }

  const summary = await admin(ingress.adminUrl, 'GET', `/admin/rejections?since=${started.toISOString()}`);
  assert.equal(summary.status, 200);
  const group = summary.body.groups.find((g: { reason: string }) => g.reason === 'signature_invalid');
  assert.equal(group?.count, FLOOD);
  assert.match(group.lastMessage, /signature does not match/);
  assert.ok(samples.some((s) => s._id === group.lastDeliveryId), 'the summary links to a sample kept');
});

test('a rejection after the signature was verified keeps the usual body prefix', async () => {
  const invalid = { ...paymentSucceeded({ orderId: uid('ord'), items: [] }), padding: 'y'.repeat(2000) };
  (invalid.data as Record<string, unknown>).currency = 'euro';
  const res = await postEvent(ingress.url, invalid);
  assert.equal(res.status, 422);
  const sample = await deliveries().findOne({ eventId: invalid.id });
  assert.equal(sample?.body?.bytes, Buffer.byteLength(JSON.stringify(invalid)));
  assert.equal(Buffer.byteLength(sample!.body!.text), 1024, 'keepBodyBytes of the test settings');
});

test('a signed body declared in a charset other than UTF-8 gets 415; UTF-8, however spelt, is accepted', async () => {
  const send = async (contentType: string) => {
    const event = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 's', quantity: 1 }] });
    const raw = JSON.stringify(event);
    const res = await fetch(`${ingress.url}/webhooks/payments`, { method: 'POST', headers: { ...signPayments(raw), 'content-type': contentType }, body: raw });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const utf16 = await send('application/json-patch+json; charset=utf-16');
  assert.equal(utf16.status, 415);
  assert.equal(utf16.body.error.code, 'unsupported_media_type');
  assert.match(utf16.body.error.message, /UTF-8/);
  assert.equal((await send('application/json; charset=ISO-8859-1')).status, 415);
  assert.equal((await send('application/json;charset="UTF-8"')).status, 202);
  assert.equal((await send('application/cloudevents+json')).status, 202);
  assert.equal((await send('text/json')).status, 415);
});
