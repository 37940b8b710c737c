// Batching, the concurrency limit and the failure-rate breaker of outbound webhooks on the real
// stack (HTTP in, Temporal, the worker's deliveries out to loopback receivers that verify with the
// `standardwebhooks` library). Flows and destinations in test/fixtures/outbound-batch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { ROOT, TEST_TASK_QUEUE, type TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import type { ReceivedRequest } from '../helpers/webhook-receiver';
import { type OutboundFixture, startOutboundFixture } from '../helpers/outbound-fixture';
import { hookflowAdmin } from '../helpers/spawn-file';
import { waitFor } from '../helpers/wait-for';
import { outboundCollections } from '../../activities/outbound-store';
import { type EnqueuedMessage, OUTBOUND_BATCH_WORKFLOW_TYPE, OUTBOUND_ENQUEUE_SIGNAL, batchQueueWorkflowId } from '../../engine/outbound-batch';

const FIXTURES = join(ROOT, 'test/fixtures/outbound-batch');
let fixture: OutboundFixture<'batched' | 'serial' | 'failing'>;
let stack: TestStack;
let receivers: typeof fixture.receivers;
let secrets: typeof fixture.secrets;

before(async () => {
  fixture = await startOutboundFixture(FIXTURES, ['batched', 'serial', 'failing'], ['OUTBOUND_BATCHED_KEY', 'OUTBOUND_SERIAL_KEY', 'OUTBOUND_FAILING_KEY']);
  ({ stack, receivers, secrets } = fixture);
});
after(async () => {
  await fixture?.stop();
});

const hookflow = (args: string[]) => hookflowAdmin(stack.adminUrl, args);

/** Publishes one `<kind>.item` per sku at once (a forEach step); the message ids. */
async function publishItems(kind: 'batched' | 'serial' | 'failing', skus: string[]): Promise<string[]> {
  const event = paymentSucceeded({ orderId: uid(`${kind}-`), items: skus.map((sku) => ({ sku, quantity: 1 })) });
  assert.equal((await postEvent(stack.ingressUrl, event)).status, 202);
  const run = await stack.client.workflow.getHandle(`publish-${kind}:payments:${event.id}`).result();
  return (run.steps.publish.output as Array<{ messageId: string }>).map((o) => o.messageId);
}

interface BatchBody { type: string; timestamp: string; data: Array<{ type: string; timestamp: string; data: { sku: string } }> }
const verified = <T>(secret: string, req: ReceivedRequest): T => new Webhook(secret).verify(req.body, Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]))) as T;

test('a batch destination receives its events in batches of at most maxEvents, each signed under one webhook-id, and every member\'s record names its batch', async () => {
  const skus = ['A', 'B', 'C', 'D', 'E'];
  const ids = await publishItems('batched', skus);
  assert.equal(new Set(ids).size, 5);
  const c = outboundCollections(stack.db);
  const records = await waitFor('five batched deliveries delivered', async () => {
    const found = await c.deliveries.find({ destination: 'batched', _id: { $in: ids.map((id) => `batched:${id}`) } }).toArray();
    return found.length === 5 && found.every((r) => r.status === 'delivered') && found;
  });
  const requests = receivers.batched.requests;
  const bodies = requests.map((r) => verified<BatchBody>(secrets.OUTBOUND_BATCHED_KEY, r));
  assert.ok(bodies.every((b) => b.type === 'batch' && b.data.length >= 1 && b.data.length <= 3), JSON.stringify(bodies));
  assert.deepEqual(bodies.flatMap((b) => b.data.map((e) => e.data.sku)).sort(), skus, 'each event once');
  assert.ok(bodies.every((b) => b.data.every((e) => e.type === 'batched.item')));
  assert.ok(requests.length < 5, `${requests.length} requests for 5 events: batched`);
  // Each member's record says which batch carried it: the webhook-id of the request it was in.
  for (const r of records) {
    const carrier = requests.find((q, i) => bodies[i].data.some((e) => e.data.sku === (r.message.data as { sku: string }).sku))!;
    assert.equal(r.batch, carrier.headers['webhook-id']);
    assert.match(r.batch ?? '', /^batch_/);
    assert.equal(r.attempts, 1);
  }
  const attempts = await c.attempts.find({ destination: 'batched' }).toArray();
  assert.equal(attempts.length, 5, 'one attempt record per member');
});

test('a message handed to the queue twice under one key (a retried publish step) is sent once', async () => {
  const c = outboundCollections(stack.db);
  const now = new Date();
  const messages = ['dup', 'other'].map((sku) => ({ id: uid('msg_'), type: 'batched.item', data: { sku }, publishedAt: now.toISOString() }));
  for (const m of messages) await c.deliveries.insertOne({ _id: `batched:${m.id}`, destination: 'batched', message: m, status: 'pending', attempts: 0, retries: 0, workflowId: batchQueueWorkflowId('batched'), createdAt: now, updatedAt: now });
  const settings = { batch: { maxEvents: 3, maxWaitMs: 3000 }, retry: { initialMs: 50, maxIntervalMs: 100, multiplier: 2, jitter: 0.2, maxAttempts: 2, maxAgeMs: 3_600_000 } };
  for (const m of [messages[0], messages[0], messages[1], messages[0]]) {
    const enqueued: EnqueuedMessage = { message: m, key: m.id, ...settings };
    await stack.client.workflow.signalWithStart(OUTBOUND_BATCH_WORKFLOW_TYPE, { workflowId: batchQueueWorkflowId('batched'), taskQueue: TEST_TASK_QUEUE, args: [{ destination: 'batched' }], signal: OUTBOUND_ENQUEUE_SIGNAL, signalArgs: [enqueued] });
  }
  await waitFor('both delivered', async () => (await c.deliveries.countDocuments({ _id: { $in: messages.map((m) => `batched:${m.id}`) }, status: 'delivered' })) === 2);
  const skus = receivers.batched.requests.flatMap((r) => verified<BatchBody>(secrets.OUTBOUND_BATCHED_KEY, r).data.map((e) => e.data.sku));
  assert.equal(skus.filter((s) => s === 'dup').length, 1, skus.join(','));
  assert.equal(skus.filter((s) => s === 'other').length, 1, skus.join(','));
});

test('failed batch members are listed and retried from the CLI, and arrive in a batch again', async () => {
  receivers.batched.answer(500);
  const before = receivers.batched.requests.length;
  const ids = await publishItems('batched', ['F', 'G']);
  const c = outboundCollections(stack.db);
  const failed = await waitFor('both members failed', async () => {
    const found = await c.deliveries.find({ _id: { $in: ids.map((id) => `batched:${id}`) }, status: 'failed' }).toArray();
    return found.length === 2 && found;
  });
  // Each failed member names the batch it failed in; its requests (maxAttempts 2) were batches under that id.
  const failedIn = receivers.batched.requests.slice(before);
  assert.ok(failedIn.length >= 2);
  for (const r of failed) {
    assert.match(r.reason ?? '', /2 attempts failed/);
    const carriers = failedIn.filter((q) => q.headers['webhook-id'] === r.batch);
    assert.equal(carriers.length, r.attempts, `${r._id} in ${r.batch}`);
    for (const q of carriers) assert.ok(verified<BatchBody>(secrets.OUTBOUND_BATCHED_KEY, q).data.some((e) => e.data.sku === (r.message.data as { sku: string }).sku));
  }
  const listed = await hookflow(['outbound', 'list', '--destination', 'batched', '--status', 'failed', '--json']);
  assert.equal(listed.code, 0, listed.err);
  assert.equal((JSON.parse(listed.out) as { deliveries: unknown[] }).deliveries.length, 2);

  receivers.batched.answer(200);
  const retried = await hookflow(['outbound', 'retry', '--destination', 'batched']);
  assert.equal(retried.code, 0, retried.err);
  assert.match(retried.out, /retrying 2 failed deliveries/);
  await waitFor('both retried members delivered', async () => (await c.deliveries.countDocuments({ _id: { $in: ids.map((id) => `batched:${id}`) }, status: 'delivered' })) === 2);
  const last = receivers.batched.requests.at(-1)!;
  assert.ok(receivers.batched.requests.length > before + 2, 'two failed attempts, then the retry');
  assert.deepEqual(verified<BatchBody>(secrets.OUTBOUND_BATCHED_KEY, last).data.map((e) => e.data.sku).sort(), ['F', 'G']);
});

test('a destination with concurrency 1 and a slow receiver never has two requests in flight, and every delivery arrives', async () => {
  receivers.serial.delay(300);
  const ids = await publishItems('serial', ['S1', 'S2', 'S3', 'S4', 'S5']);
  const c = outboundCollections(stack.db);
  await waitFor('five serial deliveries delivered', async () => (await c.deliveries.countDocuments({ _id: { $in: ids.map((id) => `serial:${id}`) }, status: 'delivered' })) === 5, { attempts: 600, intervalMs: 200 });
  assert.deepEqual(receivers.serial.requests.map((r) => verified<{ data: { sku: string } }>(secrets.OUTBOUND_SERIAL_KEY, r).data.sku).sort(), ['S1', 'S2', 'S3', 'S4', 'S5']);
  assert.equal(receivers.serial.maxInFlight(), 1);
});

test('a destination failing over half its attempts within the window is paused by the breaker, though never 5 in a row', async () => {
  receivers.failing.answer((req) => (req.body.includes('"sku":"bad') ? 500 : 200));
  const c = outboundCollections(stack.db);
  const good = await publishItems('failing', ['ok1', 'ok2']);
  await waitFor('two good deliveries', async () => (await c.deliveries.countDocuments({ _id: { $in: good.map((id) => `failing:${id}`) }, status: 'delivered' })) === 2);
  assert.equal((await c.states.findOne({ _id: 'failing' }))?.state ?? 'active', 'active');
  const bad = await publishItems('failing', ['bad1', 'bad2', 'bad3', 'bad4']);
  await waitFor('four bad deliveries failed', async () => (await c.deliveries.countDocuments({ _id: { $in: bad.map((id) => `failing:${id}`) }, status: 'failed' })) === 4);
  const state = await waitFor('the destination paused', async () => {
    const s = await c.states.findOne({ _id: 'failing' });
    return s?.state === 'paused' && s;
  });
  assert.equal(state.consecutiveFailures, 4, 'fewer than consecutiveFailures (5) in a row');
  assert.match(state.reason ?? '', /67% of 6 attempts failed/);
  const events = await c.events.find({ destination: 'failing' }).toArray();
  assert.deepEqual(events.map((e) => e.kind), ['paused']);
});
