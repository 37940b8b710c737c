// Duplicates are recognised by (source, event id) in the delivery store, for its own window:
// concurrent, sequential, after the run finished, and even after Temporal forgot the run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryStore } from '../../server/deliveries/store';
import type { DeliveryRecord } from '../../server/deliveries/record';
import { startTestStack, type TestStack } from '../helpers/stack';
import pino from 'pino';
import { TEST_DELIVERY_SETTINGS, recordingStarter, startIngress } from '../helpers/ingress';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';

let stack: TestStack;
before(async () => { stack = await startTestStack(); });
after(async () => { await stack?.stop(); });

async function seed(stock: number) {
  const [orderId, sku] = [uid('ord'), uid('SKU')];
  await stack.db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: orderId, status: 'pending' });
  await stack.db.collection<{ _id: string; stock: number }>('inventory').insertOne({ _id: sku, stock });
  return { orderId, sku };
}
const stockOf = async (sku: string) => (await stack.db.collection<{ _id: string; stock: number }>('inventory').findOne({ _id: sku }))!.stock;

async function executions(workflowId: string): Promise<number> {
  let n = 0;
  for await (const _ of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) n++;
  return n;
}

test('20 concurrent deliveries, then 3 more after the run finished: one run, one effect, every answer names it', async () => {
  const { orderId, sku } = await seed(50);
  const event = paymentSucceeded({ orderId, items: [{ sku, quantity: 2 }] });
  const workflowId = `payment-succeeded:payments:${event.id}`;

  const answers = await Promise.all(Array.from({ length: 20 }, () => postEvent(stack.ingressUrl, event)));
  assert.deepEqual(answers.map((a) => a.status).sort(), [...Array(19).fill(200), 202].sort());
  for (const a of answers) assert.deepEqual(a.body.runs.map((r: { workflowId: string }) => r.workflowId), [workflowId]);
  await stack.client.workflow.getHandle(workflowId).result();

  for (let i = 0; i < 3; i++) {
    const late = await postEvent(stack.ingressUrl, event);
    assert.equal(late.status, 200);
    assert.equal(late.body.status, 'duplicate');
    assert.equal(late.body.runs[0].workflowId, workflowId);
    assert.equal(late.body.deliveryId, `payments:${event.id}`, 'the duplicate answer points at the first delivery');
  }
  assert.equal(await stockOf(sku), 48);
  const records = await stack.deliveries.collection.find({ source: 'payments', eventId: event.id }).toArray();
  assert.equal(records.filter((r) => r.outcome === 'accepted').length, 1);
  assert.equal(records.filter((r) => r.outcome === 'duplicate').length, 22);
  assert.ok(records.filter((r) => r.outcome === 'duplicate').every((r) => r.originalId === `payments:${event.id}`));
  // Visibility can lag behind the start; wait until the run is listed, then there must be exactly one.
  let count = 0;
  for (let i = 0; i < 50 && count === 0; i++) { count = await executions(workflowId); if (!count) await new Promise((r) => setTimeout(r, 200)); }
  assert.equal(count, 1);
});

test('the duplicate check is the store\'s alone: a second ingress without Temporal answers from the record', async () => {
  const { orderId, sku } = await seed(10);
  const event = paymentSucceeded({ orderId, items: [{ sku, quantity: 1 }] });
  const workflowId = `payment-succeeded:payments:${event.id}`;
  assert.equal((await postEvent(stack.ingressUrl, event)).status, 202);
  await stack.client.workflow.getHandle(workflowId).result();
  // Another replica on the same store whose "Temporal" only records what it is asked to start.
  const starter = recordingStarter();
  const replica = await startIngress({ db: stack.db, definitions: stack.definitions, temporalStart: starter, log: pino({ level: 'silent' }) });
  try {
    const again = await postEvent(replica.url, event);
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'duplicate');
    assert.equal(again.body.runs[0].workflowId, workflowId);
    assert.deepEqual(starter.calls, [], 'nothing was handed to Temporal');
  } finally {
    await replica.stop();
  }
  assert.equal(await stockOf(sku), 9);
});

test('after the window an event id counts as new; within it as a duplicate; purge keeps pending records', async () => {
  const store = new DeliveryStore(stack.db, { ...TEST_DELIVERY_SETTINGS, dedupeWindowSeconds: 60 });
  const record = (receivedAt: Date, id = 'w1'): DeliveryRecord => ({
    _id: `window:${id}`, source: 'window', eventId: id, eventType: 't', receivedAt, outcome: 'accepted', status: 202, runs: [], expiresAt: store.expiry(receivedAt),
    relay: { state: 'started', attempts: 1, nextAttemptAt: receivedAt, leaseUntil: receivedAt },
  });
  const t0 = new Date('2026-01-01T00:00:00Z');
  assert.equal(await store.insertOriginal(record(t0)), undefined);
  assert.equal((await store.insertOriginal(record(new Date(t0.getTime() + 59_000))))?._id, 'window:w1', 'inside the window: duplicate');
  assert.equal(await store.insertOriginal(record(new Date(t0.getTime() + 61_000))), undefined, 'after the window: new');

  const pending = { ...record(t0, 'p1'), relay: { state: 'pending' as const, attempts: 1, nextAttemptAt: new Date(8.64e15), leaseUntil: t0 } };
  await store.insert(pending);
  await store.purgeExpired(new Date(t0.getTime() + 3_600_000));
  const left = await store.collection.find({ source: 'window' }).toArray();
  assert.deepEqual(left.map((r) => r._id).sort(), ['window:p1'], 'expired records purged, the pending one kept');
});
