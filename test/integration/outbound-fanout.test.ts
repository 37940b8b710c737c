// Fan-out at a size: one published event to N destinations (60, or OUTBOUND_FANOUT_N) (generated files, one loopback
// receiver behind them): every destination gets exactly one verified delivery, and the publish
// step's duration and the time until the last delivery are printed (docs/outbound.md "Scale").
// A publish step run twice with one idempotency key (a retried step) starts no delivery twice.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { startTestStack, ROOT, TEST_TASK_QUEUE, type TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { type WebhookReceiver, startWebhookReceiver } from '../helpers/webhook-receiver';
import { waitFor } from '../helpers/wait-for';
import { outboundCollections } from '../../activities/outbound-store';
import { outboundActivities } from '../../activities/outbound';
import { envSecrets } from '../../activities/secrets';

// 60 keeps the suite short; the figures in docs/outbound.md "Scale" are from OUTBOUND_FANOUT_N=300.
const N = Number(process.env.OUTBOUND_FANOUT_N ?? 60);
const secret = `whsec_${randomBytes(24).toString('base64')}`;
let stack: TestStack;
let receiver: WebhookReceiver;
let dir: string;

before(async () => {
  receiver = await startWebhookReceiver('/fanout');
  dir = mkdtempSync(join(tmpdir(), 'hookflow-destinations-'));
  // Three more destinations take only retry.* (the second test), so it delivers three, not N.
  for (let i = 0; i < 3; i++) writeFileSync(join(dir, `r${i}.yaml`), `name: r${i}\nurl: ${receiver.url}?r=${i}\nevents: [retry.*]\nsigning:\n  secrets: [OUTBOUND_FANOUT_KEY]\n`);
  for (let i = 0; i < N; i++) writeFileSync(join(dir, `d${i}.yaml`), `name: d${i}\nurl: ${receiver.url}?d=${i}\nevents: [order.*]\nsigning:\n  secrets: [OUTBOUND_FANOUT_KEY]\n`);
  process.env.OUTBOUND_FANOUT_KEY = secret;
  stack = await startTestStack({ flowsDir: join(ROOT, 'test/fixtures/outbound/flows'), destinationsDir: dir });
});
after(async () => {
  await stack?.stop();
  await receiver?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(`one event published to ${N} destinations: each gets exactly one verified delivery`, async () => {
  const event = paymentSucceeded({ orderId: uid('outbound-fanout-'), items: [{ sku: 'S', quantity: 1 }] });
  const started = performance.now();
  assert.equal((await postEvent(stack.ingressUrl, event)).status, 202);
  const handle = stack.client.workflow.getHandle(`publish-order-paid:payments:${event.id}`);
  const run = await handle.result();
  const published = run.steps.publish.output as { messageId: string; deliveries: number };
  assert.equal(published.deliveries, N);
  const publishedAt = performance.now();
  const c = outboundCollections(stack.db);
  await waitFor(`${N} deliveries delivered`, async () => (await c.deliveries.countDocuments({ status: 'delivered' })) === N, { attempts: 1200, intervalMs: 250 });
  const doneAt = performance.now();
  const byDestination = new Map<string, number>();
  const wh = new Webhook(secret);
  for (const r of receiver.requests) {
    wh.verify(r.body, Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)])));
    assert.equal(r.headers['webhook-id'], published.messageId);
    const d = new URL(r.path, 'http://x').searchParams.get('d')!;
    byDestination.set(d, (byDestination.get(d) ?? 0) + 1);
  }
  assert.equal(receiver.requests.length, N);
  assert.equal(byDestination.size, N);
  console.log(`# fan-out to ${N}: event to publish step done ${Math.round(publishedAt - started)} ms, to all delivered ${Math.round(doneAt - started)} ms`);
});

test('a publish step run again with the same idempotency key (a retried step) starts no delivery twice', async () => {
  const publish = outboundActivities({ db: stack.db, log: pino({ level: 'silent' }), destinations: stack.destinations!, secrets: envSecrets() })['webhook.publish'];
  const env = new MockActivityEnvironment({ taskQueue: TEST_TASK_QUEUE, scheduledTimestampMs: Date.now() }, { client: stack.client, logger: new DefaultLogger('ERROR') });
  const request = { args: { type: 'retry.again', data: { n: 1 } }, idempotencyKey: uid('publish-retry-') };
  type Published = Awaited<ReturnType<typeof publish>>;
  const first = await env.run(publish, request) as Published;
  assert.equal(first.deliveries, 3);
  const c = outboundCollections(stack.db);
  const mine = { 'message.id': first.messageId };
  // Each delivery run closed (its record says delivered a moment before: the attempt writes it).
  const runs = await Promise.all(first.destinations.map(async (d) => {
    const handle = stack.client.workflow.getHandle(`outbound:${d}:${first.messageId}`);
    await handle.result();
    return (await handle.describe()).runId;
  }));
  // The retry: every pending record exists already (insertMany refuses them as duplicates) and every workflow id is taken.
  const second = await env.run(publish, request) as Published;
  assert.deepEqual(second, first);
  for (const [i, d] of first.destinations.entries()) {
    const run = await stack.client.workflow.getHandle(`outbound:${d}:${first.messageId}`).describe();
    assert.equal(run.runId, runs[i], `${d}: no second run`);
    assert.equal(run.status.name, 'COMPLETED');
  }
  // A delivered run ends after its attempt: the attempt wrote the status (hookflow-outbound-delivered-in-attempt), no outbound.record.
  const history = await stack.client.workflow.getHandle(`outbound:${first.destinations[0]}:${first.messageId}`).fetchHistory();
  assert.deepEqual((history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []), ['outbound.attempt']);
  const records = await c.deliveries.find(mine).toArray();
  assert.deepEqual(records.map((r) => [r.status, r.attempts]), [['delivered', 1], ['delivered', 1], ['delivered', 1]]);
  assert.equal(receiver.requests.filter((r) => r.headers['webhook-id'] === first.messageId).length, 3);
});
