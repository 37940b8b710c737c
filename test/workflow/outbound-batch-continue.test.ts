// A destination's batch queue continues as new when Temporal suggests it (a dev server whose
// history limit is set low), carrying what waits and the keys it saw: every message is sent once,
// including one handed over again after the queue continued.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { startTestStack, ROOT, TEST_TASK_QUEUE, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';
import { type WebhookReceiver, startWebhookReceiver } from '../helpers/webhook-receiver';
import { waitFor } from '../helpers/wait-for';
import { plainHistory } from '../helpers/plain-history';
import { outboundCollections } from '../../activities/outbound-store';
import { type BatchQueueInput, type EnqueuedMessage, OUTBOUND_BATCH_WORKFLOW_TYPE, OUTBOUND_ENQUEUE_SIGNAL, batchQueueWorkflowId } from '../../engine/outbound-batch';
import { DEFAULT_RETRY } from '../../engine/outbound';

const SUGGEST_AT = 40;
const secret = `whsec_${randomBytes(24).toString('base64')}`;
let stack: TestStack;
let receiver: WebhookReceiver;

before(async () => {
  receiver = await startWebhookReceiver('/continued');
  Object.assign(process.env, { OUTBOUND_CONTINUE_URL: receiver.url, OUTBOUND_CONTINUE_KEY: secret });
  stack = await startTestStack({ destinationsDir: join(ROOT, 'test/fixtures/outbound-batch-continue'), temporalDynamicConfig: [`limit.historyCount.suggestContinueAsNew=${SUGGEST_AT}`] });
});
after(async () => {
  await stack?.stop();
  await receiver?.close();
});

test('a batch queue continues as new when suggested, carrying its waiting messages and seen keys; each message is sent once', async () => {
  const c = outboundCollections(stack.db);
  const now = new Date();
  const messages = Array.from({ length: 12 }, (_, i) => ({ id: uid('msg_'), type: 'continued.item', data: { n: i as unknown }, publishedAt: now.toISOString() }));
  const workflowId = batchQueueWorkflowId('one-at-a-time');
  const enqueue = async (m: (typeof messages)[number]) => {
    const enqueued: EnqueuedMessage = { message: m, key: m.id, batch: { maxEvents: 1, maxWaitMs: 1000 }, retry: DEFAULT_RETRY };
    return stack.client.workflow.signalWithStart(OUTBOUND_BATCH_WORKFLOW_TYPE, { workflowId, taskQueue: TEST_TASK_QUEUE, args: [{ destination: 'one-at-a-time' }], signal: OUTBOUND_ENQUEUE_SIGNAL, signalArgs: [enqueued] });
  };
  for (const m of messages) await c.deliveries.insertOne({ _id: `one-at-a-time:${m.id}`, destination: 'one-at-a-time', message: m, status: 'pending', attempts: 0, retries: 0, workflowId, createdAt: now, updatedAt: now });
  const first = await enqueue(messages[0]);
  for (const m of messages.slice(1)) await enqueue(m);
  await waitFor('all delivered', async () => (await c.deliveries.countDocuments({ destination: 'one-at-a-time', status: 'delivered' })) === messages.length);
  // The first message again, after the queue continued: its key was carried, so it is not sent twice.
  await enqueue(messages[0]);
  const events = (await stack.client.workflow.getHandle(workflowId, first.signaledRunId).fetchHistory()).events ?? [];
  const continued = events.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)?.workflowExecutionContinuedAsNewEventAttributes;
  assert.ok(continued, 'the first run continued as new');
  const carried = JSON.parse(Buffer.from(plainHistory(continued.input)!.payloads![0].data!).toString('utf8')) as BatchQueueInput;
  assert.ok(carried.seen!.includes(messages[0].id), 'the keys seen are carried');
  assert.ok((carried.pending?.length ?? 0) + (carried.inFlight ? 1 : 0) > 0, 'messages waiting were carried');
  // A marker after the repeat: once it arrives, the repeat would have arrived before it.
  const marker = { id: uid('msg_'), type: 'continued.item', data: { n: 'marker' }, publishedAt: new Date().toISOString() };
  await c.deliveries.insertOne({ _id: `one-at-a-time:${marker.id}`, destination: 'one-at-a-time', message: marker, status: 'pending', attempts: 0, retries: 0, workflowId, createdAt: now, updatedAt: now });
  await enqueue(marker);
  await waitFor('the marker delivered', async () => (await c.deliveries.findOne({ _id: `one-at-a-time:${marker.id}` }))?.status === 'delivered');
  const wh = new Webhook(secret);
  const sent = receiver.requests.map((r) => (wh.verify(r.body, Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)]))) as { data: Array<{ data: { n: unknown } }> }).data[0].data.n);
  assert.deepEqual(sent, [...messages.map((_, i) => i), 'marker'], 'each once, in order');
});
