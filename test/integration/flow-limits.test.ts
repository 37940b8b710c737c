// Flow controls on the real stack, with real signed HTTP in: rateLimit drops the excess across two
// ingress replicas sharing one store, records it, counts it and keeps its decision for
// redeliveries and the relay; priority and fairness reach Temporal on the run's start.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pino from 'pino';
import { startTestStack, ROOT, type TestStack } from '../helpers/stack';
import { startIngress, type TestIngress } from '../helpers/ingress';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { admin } from '../helpers/admin';
import { type FakeApi, startFakeApi } from '../helpers/fake-api';
import { HOST_SLOTS_COLLECTION } from '../../activities/host-pacing';
import { waitFor } from '../helpers/wait-for';
import { RATE_LIMITS_COLLECTION } from '../../server/starts/rate-limits';
import type { DeliveryRecord } from '../../server/deliveries/record';

let stack: TestStack;
let replica: TestIngress;
let api: FakeApi;
const arrivals: number[] = [];
before(async () => {
  api = await startFakeApi();
  api.handler = () => { arrivals.push(Date.now()); return { status: 200, body: {} }; };
  process.env.PACED_API_URL = api.url; // the worker resolves secrets from its environment
  stack = await startTestStack({ flowsDir: join(ROOT, 'test/fixtures/flow-controls'), env: { PACED_API_URL: api.url }, httpHostLimits: { '127.0.0.1': 2 } });
  const log = pino({ level: 'silent' });
  // A second ingress on the same store: the limit is the flow's, not a replica's.
  replica = await startIngress({ db: stack.db, definitions: stack.definitions, client: stack.client, log });
});
after(async () => {
  await replica?.stop();
  await stack?.stop();
  await api?.close();
});

const eur = (email: string) => paymentSucceeded({ orderId: uid('ord'), email, items: [{ sku: 'SKU-1', quantity: 1 }] });
const countRuns = async (flow: string) => stack.client.workflow.count(`HookflowFlow = "${flow}"`).then((c) => c.count);
const rateLimitedCount = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('hookflow_rate_limited_total{flow="rate-limited"}'));
  return line ? Number(line.split(' ').pop()) : 0;
};

test('rateLimit 5: 12 events over two replicas make 5 runs and 7 recorded drops; a redelivered drop is a duplicate', async () => {
  const email = `${uid('c')}@example.com`;
  const events = Array.from({ length: 12 }, () => eur(email));
  // At once, alternating replicas: the slots are claimed concurrently from two processes.
  const answers = await Promise.all(events.map((e, i) => postEvent(i % 2 ? replica.url : stack.ingressUrl, e)));
  const accepted = answers.filter((a) => a.status === 202);
  const dropped = answers.filter((a) => a.status === 200);
  assert.equal(accepted.length, 5, JSON.stringify(answers.map((a) => a.status)));
  assert.equal(dropped.length, 7);
  for (const a of dropped) {
    assert.equal(a.body.status, 'rate_limited');
    assert.deepEqual(a.body.runs.map((r: { ignored?: string }) => r.ignored), ['rate_limited']);
  }

  // Another key value has its own limit.
  const other = await postEvent(stack.ingressUrl, eur(`${uid('c')}@example.com`));
  assert.equal(other.status, 202);

  await waitFor('6 runs visible', async () => (await countRuns('rate-limited')) >= 6);
  assert.equal(await countRuns('rate-limited'), 6);
  const listed = await admin(stack.adminUrl, 'GET', '/admin/deliveries?outcome=rate_limited&limit=50');
  const droppedIds = new Set(dropped.map((a) => a.body.eventId));
  assert.deepEqual(new Set(listed.body.items.map((d: { eventId: string }) => d.eventId)), droppedIds);
  assert.equal((await rateLimitedCount(stack.adminUrl)) + (await rateLimitedCount(replica.adminUrl)), 7);

  // A provider redelivers a dropped event: a duplicate of it, not a new drop and not a run.
  const again = await postEvent(replica.url, events[answers.indexOf(dropped[0])]);
  assert.equal(again.status, 200);
  assert.equal(again.body.status, 'duplicate');
  const decisions = stack.db.collection<{ _id: string; allowed?: boolean }>(RATE_LIMITS_COLLECTION);
  assert.equal(await decisions.countDocuments({ _id: { $in: dropped.map((a) => `run|${a.body.runs[0].workflowId}`) }, allowed: false }), 7);
  assert.equal((await rateLimitedCount(stack.adminUrl)) + (await rateLimitedCount(replica.adminUrl)), 7);

  // The relay starts a record again (as after a crash before it was marked): the drop stays a drop.
  const deliveries = stack.db.collection<DeliveryRecord>('hookflow_deliveries');
  const redone = dropped[1].body.deliveryId as string;
  await deliveries.updateOne({ _id: redone }, { $set: { 'relay.state': 'pending', 'relay.nextAttemptAt': new Date(0), 'relay.leaseUntil': new Date(0) } });
  stack.relay.wake();
  replica.relay.wake();
  await waitFor('the relay handled the record again', async () => (await deliveries.findOne({ _id: redone }))?.relay?.state === 'started');
  const record = (await deliveries.findOne({ _id: redone }))!;
  assert.equal(record.outcome, 'rate_limited');
  assert.deepEqual(record.runs.map((r) => r.ignored), ['rate_limited']);
  assert.equal(await countRuns('rate-limited'), 6);
  const runDecisions = { _id: { $in: events.map((e) => `run|rate-limited:payments:${e.id}`) } };
  assert.equal(await decisions.countDocuments(runDecisions), 12, 'one decision per event, none added');
  assert.equal(await decisions.countDocuments({ ...runDecisions, allowed: true }), 5);

  // An operator replays a dropped event: replays are never limited, so it runs.
  const replayed = await admin(stack.adminUrl, 'POST', `/admin/deliveries/${dropped[2].body.deliveryId}/replay`);
  assert.equal(replayed.status, 202, JSON.stringify(replayed.body));
  const replayId = `rate-limited:payments:${dropped[2].body.eventId}:replay:1`;
  assert.deepEqual(replayed.body.runs.map((r: { workflowId: string }) => r.workflowId), [replayId]);
  await stack.client.workflow.getHandle(replayId).result();
});


test('a run dropped beside a run started: the delivery is accepted, and its drop shows in list --outcome rate_limited, show and /metrics', async () => {
  const email = `${uid('c')}@example.com`;
  const events = Array.from({ length: 6 }, () => paymentSucceeded({ orderId: uid('ord'), email, amount: 4242, items: [{ sku: 'SKU-1', quantity: 1 }] }));
  const before = await rateLimitedCount(stack.adminUrl);
  const answers = [];
  for (const e of events) answers.push(await postEvent(stack.ingressUrl, e));
  assert.deepEqual(answers.map((a) => a.status), [202, 202, 202, 202, 202, 202], 'marked-eur runs for each: every delivery is accepted');
  const last = answers[5].body;
  assert.equal(last.status, 'accepted');
  assert.deepEqual(last.runs.map((r: { flow: string; ignored?: string }) => [r.flow, r.ignored]).sort(), [['marked-eur', undefined], ['rate-limited', 'rate_limited']]);
  // The runs are written to the record by the started mark, after the answer (it lingers to batch): wait for it.
  const listed = await waitFor('the started mark with the dropped run', async () => {
    const res = await admin(stack.adminUrl, 'GET', `/admin/deliveries?outcome=rate_limited&eventId=${last.eventId}`);
    return res.body.items.length > 0 && res;
  });
  assert.deepEqual(listed.body.items.map((d: { _id: string; outcome: string }) => [d._id, d.outcome]), [[last.deliveryId, 'accepted']]);
  const shown = await admin(stack.adminUrl, 'GET', `/admin/deliveries/${encodeURIComponent(last.deliveryId)}`);
  const status = Object.fromEntries(shown.body.runs.map((r: { flow: string; status: string }) => [r.flow, r.status]));
  assert.equal(status['rate-limited'], 'DROPPED (rate_limited)');
  assert.notEqual(status['marked-eur'], 'DROPPED (rate_limited)');
  assert.equal(await rateLimitedCount(stack.adminUrl), before + 1);
});
test('priority and fairness from the flow reach the run start in Temporal', async () => {
  const big = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU-1', quantity: 1 }], amount: 25_000 });
  const small = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU-1', quantity: 1 }], amount: 100 });
  for (const e of [big, small]) (e.data as { currency: string }).currency = 'USD';
  for (const e of [big, small]) assert.equal((await postEvent(stack.ingressUrl, e)).status, 202);
  const startedPriority = async (eventId: string) => {
    const history = await stack.client.workflow.getHandle(`prioritized:payments:${eventId}`).fetchHistory();
    return history.events![0].workflowExecutionStartedEventAttributes!.priority;
  };
  const bigPriority = await startedPriority(big.id);
  assert.equal(bigPriority?.priorityKey, 1);
  assert.equal(bigPriority?.fairnessKey, big.data.customer.email);
  assert.equal(bigPriority?.fairnessWeight, 2);
  assert.equal((await startedPriority(small.id))?.priorityKey, 4);
});

test('http.request to a host limited to 2 calls/s: a burst of 10 runs reaches the API paced, 10 slots 500 ms apart', async () => {
  const events = Array.from({ length: 10 }, () => {
    const e = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU-1', quantity: 1 }] });
    (e.data as { currency: string }).currency = 'GBP';
    return e;
  });
  const answers = await Promise.all(events.map((e) => postEvent(stack.ingressUrl, e)));
  assert.deepEqual(answers.map((a) => a.status), Array(10).fill(202));
  await Promise.all(events.map((e) => stack.client.workflow.getHandle(`host-paced:payments:${e.id}`).result()));
  assert.equal(api.requests.length, 10);
  const span = Math.max(...arrivals) - Math.min(...arrivals);
  assert.ok(span >= 4000, `first to last arrival ${span} ms; at 2/s ten calls span at least 4.5 s of slots`);
  const slots = (await stack.db.collection<{ at: Date }>(HOST_SLOTS_COLLECTION).find({ _id: { $regex: /^127\.0\.0\.1\|/ } as never }).toArray()).map((s) => s.at.getTime()).sort((a, b) => a - b);
  assert.equal(slots.length, 10);
  for (let i = 1; i < slots.length; i++) assert.ok(slots[i] - slots[i - 1] >= 500, `slots ${i - 1} and ${i} are ${slots[i] - slots[i - 1]} ms apart`);
});

test('a backlog of runs is served by Temporal in the order of their flow priority', async () => {
  // Runs started on a queue no worker polls yet: they wait, then the first polls take them.
  const taskQueue = uid('backlog');
  const log = pino({ level: 'silent' });
  const backlog = await startIngress({ db: stack.db, definitions: stack.definitions, client: stack.client, taskQueue, log });
  try {
    const amounts = [100, 200, 25_000, 300, 40_000, 50_000];
    const events = amounts.map((amount) => {
      const e = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU-1', quantity: 1 }], amount });
      (e.data as { currency: string }).currency = 'USD';
      return e;
    });
    for (const e of events) assert.equal((await postEvent(backlog.url, e)).status, 202);
    const served: number[] = [];
    const conn = stack.client.connection;
    for (let i = 0; i < events.length; i++) {
      const task = await conn.withDeadline(Date.now() + 30_000, () => conn.workflowService.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue, kind: 1 }, identity: 'flow-limits-test' }));
      served.push(amounts[events.findIndex((e) => task.workflowExecution?.workflowId === `prioritized:payments:${e.id}`)]);
    }
    assert.deepEqual(served, [25_000, 40_000, 50_000, 100, 200, 300], 'priority 1 (≥ 10 000) first, each level in arrival order');
    for (const e of events) await stack.client.workflow.getHandle(`prioritized:payments:${e.id}`).terminate('test backlog');
  } finally {
    await backlog.stop();
  }
});

