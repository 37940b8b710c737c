// Debounce and batch end to end on the real stack: signed HTTP in, a collector per key
// (signal-with-start), durable timers, the real runs as children, absorbed events recorded on
// their delivery records, the admin API's view and replay of an absorbed event, the metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startOpsServer } from '../../worker/ops-server';
import { scrape } from '../helpers/prometheus';
import type { CollectRunResult } from '../../engine/collect-contract';
import type { FlowRunResult } from '../../engine/contract';
import type { DeliveryRecord } from '../../server/deliveries/record';
import { ROOT, TEST_TASK_QUEUE, startTestStack, type TestStack } from '../helpers/stack';
import { postEvent, uid } from '../helpers/events';
import { admin } from '../helpers/admin';
import { waitFor } from '../helpers/wait-for';
import { type ProjectProcess, spawnNodeEntry } from '../helpers/processes';
import pino from 'pino';
import { freePort } from '../../lib/net';
import { planRuns } from '../../server/starts/planned-runs';
import { createRunStarter } from '../../server/starts/start-runs';
import type { FlowEvent } from '../../engine/types';

let stack: TestStack;
let opsServer: Server | undefined;
let workerMetrics: string | undefined;
const workers: ProjectProcess[] = [];

before(async () => {
  stack = await startTestStack({ flowsDir: join(ROOT, 'test/fixtures/collect/flows') });
});
after(async () => {
  opsServer?.close();
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) { w.child.kill('SIGTERM'); await w.exited; }
  await stack?.stop();
});

const change = (orderId: string, status: string, note: string, id = uid('evt')) => ({
  id, type: 'order.updated', created_at: '2026-11-23T10:00:00Z', data: { order_id: orderId, status, note },
});

async function post(body: unknown, expected = 202): Promise<Record<string, any>> {
  const res = await postEvent(stack.ingressUrl, body);
  assert.equal(res.status, expected, JSON.stringify(res.body));
  return res.body;
}

const delivery = (eventId: string) => stack.db.collection<DeliveryRecord>('hookflow_deliveries').findOne({ _id: `payments:${eventId}` });

/** The collector's result, once it has closed: it ends when nothing waits any more. Bounded, so a collector that keeps waiting fails the test instead of hanging it. */
async function collectorResult(workflowId: string, boundMs = 120_000): Promise<CollectRunResult> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`collector ${workflowId} still open after ${boundMs / 1000} s`)), boundMs); });
  try {
    return (await Promise.race([stack.client.workflow.getHandle(workflowId).result(), bound])) as CollectRunResult;
  } finally {
    clearTimeout(timer);
  }
}

async function outcomeOf(workflowId: string): Promise<string | undefined> {
  const { searchAttributes } = await stack.client.workflow.getHandle(workflowId).describe();
  return (searchAttributes.HookflowOutcome as string[] | undefined)?.[0];
}

/** The worker's /metrics (its ops server, serving the SDK's metrics), as an operator scrapes it. */
async function absorbedCount(labels: Record<string, string>): Promise<number> {
  if (!workerMetrics) {
    const ops = await startOpsServer({ port: 0, host: '127.0.0.1', checks: [], sdkMetricsAddress: stack.sdkMetricsAddress });
    opsServer = ops;
    workerMetrics = `http://127.0.0.1:${(ops.address() as AddressInfo).port}/metrics`;
  }
  return (await scrape(workerMetrics))('hookflow_events_absorbed', labels);
}

describe('debounce', () => {
  test('20 events in a burst become one run with the last event; the 19 others are recorded as debounced by it', async () => {
    const orderId = uid('ord');
    const events = Array.from({ length: 20 }, (_, i) => change(orderId, 'sync', `change ${i + 1}`));
    const collector = `debounced-order-sync:payments:debounce:${orderId}`;
    const labels = { flow: 'debounced-order-sync', control: 'debounce' };
    const metricBefore = await absorbedCount(labels);
    for (const [i, e] of events.entries()) {
      const body = await post(e);
      assert.equal(body.runs[0].workflowId, collector);
      if (i === 4) assert.equal((await post(e, 200)).status, 'duplicate', 'a duplicate is recognised before the control');
      if (i === 0) assert.equal(await outcomeOf(collector), 'debouncing', 'the Temporal UI shows why it waits');
    }
    const last = events[19];
    const runId = `debounced-order-sync:payments:${last.id}`;

    const collected = await collectorResult(collector);
    assert.deepEqual(collected, { runs: [runId], absorbed: 19 });
    const result = (await stack.client.workflow.getHandle(runId).result()) as FlowRunResult;
    assert.equal(result.steps.sync.status, 'completed');
    const synced = await stack.db.collection<{ _id: string; [k: string]: unknown }>('debounce_syncs').find({ order: orderId }).toArray();
    assert.deepEqual(synced.map((d) => [d._id, d.note]), [[last.id, 'change 20']]);
    const runsOfFlow = await waitFor('the run in Temporal\'s visibility', async () => {
      const { count } = await stack.client.workflow.count(`HookflowFlow = "debounced-order-sync" AND WorkflowType = "runFlow"`);
      return count > 0 && count;
    });
    assert.equal(runsOfFlow, 1);

    for (const e of events.slice(0, 19)) {
      const record = await delivery(e.id);
      assert.equal(record?.absorbed?.['debounced-order-sync']?.as, 'debounced', e.id);
      assert.equal(record?.absorbed?.['debounced-order-sync']?.by, runId, e.id);
    }
    assert.equal((await delivery(last.id))?.absorbed, undefined, 'the event that ran is not absorbed');
    // Counted when the worker concludes the collector's task, which may be just after its result is visible.
    assert.equal(await waitFor('the absorbed counter to move', async () => { const n = await absorbedCount(labels); return n > metricBefore && n; }), metricBefore + 19);

    // The admin API shows the run that took a debounced event, and a replay runs it alone.
    const api = (method: 'GET' | 'POST', path: string) => admin(stack.adminUrl, method, path);
    const first = events[0];
    const shown = await api('GET', `/admin/deliveries/${encodeURIComponent(`payments:${first.id}`)}`);
    assert.equal(shown.status, 200);
    assert.deepEqual([shown.body.runs[0].workflowId, shown.body.runs[0].absorbed.as, shown.body.runs[0].status], [runId, 'debounced', 'COMPLETED']);
    const replay = await api('POST', `/admin/deliveries/${encodeURIComponent(`payments:${first.id}`)}/replay`);
    assert.equal(replay.status, 202, JSON.stringify(replay.body));
    const replayId = `debounced-order-sync:payments:${first.id}:replay:1`;
    assert.deepEqual(replay.body.runs.map((r: Record<string, string>) => r.workflowId), [replayId]);
    await stack.client.workflow.getHandle(replayId).result();
    assert.equal((await stack.db.collection<{ _id: string; [k: string]: unknown }>('debounce_syncs').findOne({ _id: first.id }))?.note, 'change 1');
  });
});

describe('batch', () => {
  test('maxSize 10 turns 25 events into 3 runs holding all 25: 10, 10 and the last 5 by timeout', async () => {
    const key = uid('journal');
    const orderId = uid('ord');
    const events = Array.from({ length: 25 }, () => change(orderId, 'journal', key));
    const collector = `batched-order-journal:payments:batch:${key}`;
    for (const e of events) await post(e);
    // The last five wait for the timeout: the collector shows it is batching meanwhile.
    assert.equal(await outcomeOf(collector), 'batching');

    const collected = await collectorResult(collector);
    const runIds = [0, 10, 20].map((i) => `batched-order-journal:payments:${events[i].id}`);
    assert.deepEqual(collected, { runs: runIds, absorbed: 22 });
    const sizes: number[] = [];
    for (const id of runIds) {
      const result = (await stack.client.workflow.getHandle(id).result()) as FlowRunResult;
      sizes.push((result.steps.journal.output as unknown[]).length);
    }
    assert.deepEqual(sizes, [10, 10, 5]);
    const journal = await stack.db.collection<{ _id: string; [k: string]: unknown }>('batch_journal').find({ _id: { $in: events.map((e) => e.id) } }).toArray();
    assert.equal(journal.length, 25, 'every event reached a run');
    for (const [i, e] of events.entries()) {
      const entry = journal.find((j) => j._id === e.id);
      const batchFirst = events[Math.floor(i / 10) * 10].id;
      assert.equal(entry?.first, batchFirst, `event ${i} ran in the batch whose event is ${batchFirst}`);
      const absorbed = (await delivery(e.id))?.absorbed?.['batched-order-journal'];
      if (i % 10 === 0) assert.equal(absorbed, undefined, `event ${i} is its batch's own event`);
      else assert.deepEqual([absorbed?.as, absorbed?.by], ['batched', `batched-order-journal:payments:${batchFirst}`], `event ${i}`);
    }
  });
});

describe('flow edits', () => {
  const starter = () => createRunStarter(stack.client, TEST_TASK_QUEUE, pino({ level: 'silent' }));
  const eventOf = (orderId: string, note: string): FlowEvent => ({ id: uid('evt'), type: 'order.updated', source: 'payments', receivedAt: new Date().toISOString(), body: change(orderId, 'journal', note) });

  test('a lower maxSize applies to what waits; an event the relay hands over after debounce was removed runs what waits at once', async () => {
    const start = starter();
    const v1 = stack.definitions.flows.find((f) => f.name === 'batched-order-journal')!;
    const slow = { ...v1, version: `${v1.version}-slow`, batch: { ...v1.batch!, maxSize: 10, timeout: '10m' } };
    const small = { ...v1, version: `${v1.version}-small`, batch: { ...v1.batch!, maxSize: 2 } };
    const key = uid('edit');
    const waiting = [1, 2, 3].map((n) => ({ ...eventOf(uid('ord'), key), id: `${key}-${n}` }));
    for (const e of waiting) await start(await planRuns([slow], e), e);
    const edited = { ...eventOf(uid('ord'), key), id: `${key}-4` };
    await start(await planRuns([small], edited), edited);
    const batchIds = [1, 3].map((n) => `batched-order-journal:payments:${key}-${n}`);
    assert.deepEqual(await collectorResult(`batched-order-journal:payments:batch:${key}`), { runs: batchIds, absorbed: 2 });

    const d1 = stack.definitions.flows.find((f) => f.name === 'debounced-order-sync')!;
    const orderId = uid('ord');
    const burst = [1, 2].map((n) => ({ ...eventOf(orderId, `edit ${n}`), body: change(orderId, 'sync', `edit ${n}`) }));
    const [plan] = await planRuns([{ ...d1, debounce: { ...d1.debounce!, period: '10m' } }], burst[0]);
    await start([plan], burst[0]);
    // The flow lost its debounce; the relay signals the recorded collector with the flow as it is now.
    const { debounce: _gone, ...without } = d1;
    const [late] = await planRuns([d1], burst[1]);
    await start([{ ...late, flow: { ...without, version: `${d1.version}-none` } }], burst[1]);
    assert.deepEqual(await collectorResult(plan.workflowId), { runs: [`debounced-order-sync:payments:${burst[1].id}`], absorbed: 1 });
  });
});

describe('durability', () => {
  test('a worker killed with -9 while a burst waits: the next worker runs the burst once, with its last event', async () => {
    // Its own task queue, polled only by worker processes this test starts and kills.
    const taskQueue = uid('collect-kill');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: stack.services.temporalAddress, MONGODB_URI: stack.services.mongodbUri, SMTP_URL: stack.services.smtpUrl,
      MONGODB_DB: stack.db.databaseName, TEMPORAL_TASK_QUEUE: taskQueue, HOOKFLOW_FLOWS_DIR: join(ROOT, 'test/fixtures/collect/flows'),
      PAYMENTS_WEBHOOK_SECRET: 'unused-here', HOOKFLOW_PRETTY_LOGS: '0', LOG_LEVEL: 'info',
    };
    const startWorker = async () => {
      const worker = spawnNodeEntry('worker/main.ts', { ...env, WORKER_OPS_PORT: String(await freePort()) });
      workers.push(worker);
      await worker.waitForLine(/"msg":"worker running"/, { timeoutMs: 120_000 });
      return worker;
    };
    const first = await startWorker();
    const flow = stack.definitions.flows.find((f) => f.name === 'debounced-order-sync')!;
    const starter = createRunStarter(stack.client, taskQueue, pino({ level: 'silent' }));
    const orderId = uid('ord');
    const events: FlowEvent[] = Array.from({ length: 5 }, (_, i) => ({
      id: uid('evt'), type: 'order.updated', source: 'payments', receivedAt: new Date().toISOString(), body: change(orderId, 'sync', `kill ${i + 1}`),
    }));
    for (const e of events) await starter(await planRuns([flow], e), e);
    const collector = stack.client.workflow.getHandle(`debounced-order-sync:payments:debounce:${orderId}`);
    // Positive signal that the worker holds the burst: it has taken all five events and set its timer.
    await waitFor('the collector to wait on its timer with all five events', async () => {
      const history = (await collector.fetchHistory()).events ?? [];
      const signals = history.flatMap((h, i) => (h.workflowExecutionSignaledEventAttributes ? [i] : []));
      return signals.length === 5 && history.some((h, i) => i > signals[4] && h.timerStartedEventAttributes);
    }, { attempts: 300, intervalMs: 100 });
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');

    await startWorker();
    const last = events[4];
    assert.deepEqual(await collectorResult(collector.workflowId), { runs: [`debounced-order-sync:payments:${last.id}`], absorbed: 4 });
    await stack.client.workflow.getHandle(`debounced-order-sync:payments:${last.id}`).result();
    const synced = await stack.db.collection<{ _id: string; [k: string]: unknown }>('debounce_syncs').find({ order: orderId }).toArray();
    assert.deepEqual(synced.map((d) => d.note), ['kill 5']);
  });
});

