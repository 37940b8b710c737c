// Flow controls on the real stack, signed HTTP in: concurrency keeps at most `limit` runs of one
// key in flight (start and close times as Temporal recorded them), throttle spreads starts out
// (Temporal's start times and the gate's history), and a worker killed with SIGKILL mid-burst
// loses and repeats nothing.
// The worker is a child process (worker/main.ts), so it can be killed for real.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { GATED_WORKFLOW_TYPE, gateWorkflowId } from '../../engine/controls';
import { freePort } from '../../lib/net';
import { TEST_SECRET, TEST_TASK_QUEUE, TEST_PAYLOAD_KEYS, type TestStack, startTestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { type ProjectProcess, spawnNodeEntry } from '../helpers/processes';
import { scrape } from '../helpers/prometheus';
import { waitFor } from '../helpers/wait-for';

const flowFile = (name: string, prefix: string, control: string, steps: string) => `name: ${name}
trigger:
  source: payments
  events: [payment.succeeded]
  filter: $substringBefore(event.body.data.order_id, '_') = '${prefix}'
${control}
steps:
${steps}`;

const FLOWS = {
  'gate-concurrency.yaml': flowFile('gate-concurrency', 'conc', 'concurrency: { limit: 2, key: event.body.data.customer.name }',
    '  - id: hold\n    delay: 400ms\n  - id: note\n    uses: log\n    with: { message: "done {{ event.id }}" }\n'),
  'gate-throttle.yaml': flowFile('gate-throttle', 'thr', 'throttle: { limit: 5, period: 1s }',
    '  - id: note\n    uses: log\n    with: { message: "started {{ event.id }}" }\n'),
  'gate-crash.yaml': flowFile('gate-crash', 'crash', 'throttle: { limit: 10, period: 1s, key: event.body.data.customer.name }',
    '  - id: count\n    uses: mongo.updateOne\n    with: { collection: gate_runs, filter: { _id: "{{ event.id }}" }, update: { $inc: { runs: 1 } }, upsert: true }\n'),
};

let stack: TestStack;
let flowsDir: string;
let worker: ProjectProcess;
let workerOps: string;

async function startWorker(): Promise<ProjectProcess> {
  const port = await freePort();
  workerOps = `http://127.0.0.1:${port}`;
  const w = spawnNodeEntry('worker/main.ts', {
    ...process.env,
    TEMPORAL_ADDRESS: stack.services.temporalAddress, TEMPORAL_TASK_QUEUE: TEST_TASK_QUEUE, HOOKFLOW_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    MONGODB_URI: stack.services.mongodbUri, MONGODB_DB: stack.db.databaseName, SMTP_URL: stack.services.smtpUrl,
    HOOKFLOW_FLOWS_DIR: flowsDir, PAYMENTS_WEBHOOK_SECRET: TEST_SECRET, WORKER_OPS_PORT: String(port), HOOKFLOW_PRETTY_LOGS: '0',
  });
  await w.waitForLine(/"msg":"worker running"/, { timeoutMs: 120_000 });
  return w;
}

before(async () => {
  flowsDir = mkdtempSync(join(tmpdir(), 'hookflow-gate-flows-'));
  for (const [file, text] of Object.entries(FLOWS)) writeFileSync(join(flowsDir, file), text);
  stack = await startTestStack({ flowsDir, worker: false });
  worker = await startWorker();
});

after(async () => {
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  await stack?.stop();
  rmSync(flowsDir, { recursive: true, force: true });
});

/** Posts the events `atOnce` at a time (1: one after another, in arrival order), each acknowledged with 202. */
async function postAll(prefix: string, customer: string, count: number, atOnce = 1): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += atOnce) {
    await Promise.all(Array.from({ length: Math.min(atOnce, count - i) }, async (_, j) => {
      const body = paymentSucceeded({ orderId: `${prefix}_${i + j}`, items: [{ sku: 's', quantity: 1 }] });
      body.data.customer.name = customer;
      ids.push(body.id);
      const res = await postEvent(stack.ingressUrl, body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
    }));
  }
  return ids;
}

async function runsOf(flow: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const r of stack.client.workflow.list({ query: `WorkflowType = 'runFlow' AND HookflowFlow = '${flow}'` })) runs.push(r);
  return runs;
}

/** Waits until `count` runs of the flow have completed; fails at once if one ended otherwise. */
async function allCompleted(flow: string, count: number): Promise<WorkflowExecutionInfo[]> {
  return waitFor(`${count} completed runs of ${flow}`, async () => {
    const runs = await runsOf(flow);
    const bad = runs.find((r) => !['RUNNING', 'COMPLETED'].includes(r.status.name));
    if (bad) throw new Error(`${bad.workflowId} ended ${bad.status.name}`);
    return runs.filter((r) => r.status.name === 'COMPLETED').length >= count && runs;
  }, { attempts: 900, intervalMs: 200 });
}

const eventIdOf = (r: WorkflowExecutionInfo) => r.workflowId.split(':').pop()!;

/** When each child start was decided, over every run of the gate: the time of the workflow task that issued it. */
async function gateStartDecisions(gateId: string): Promise<number[]> {
  const times: number[] = [];
  for await (const run of stack.client.workflow.list({ query: `WorkflowId = '${gateId}'` })) {
    let taskStarted = 0;
    for (const e of (await stack.client.workflow.getHandle(gateId, run.runId).fetchHistory()).events ?? []) {
      if (e.workflowTaskStartedEventAttributes) taskStarted = tsToMs(e.eventTime);
      if (e.startChildWorkflowExecutionInitiatedEventAttributes) times.push(taskStarted);
    }
  }
  return times.sort((a, b) => a - b);
}

test('concurrency {limit: 2}: 50 events of one key never have more than 2 runs in flight, start in arrival order, and all complete', async () => {
  const customer = uid('cus');
  const ids = await postAll('conc', customer, 50);
  const runs = await allCompleted('gate-concurrency', 50);
  assert.deepEqual(runs.map(eventIdOf).sort(), [...ids].sort(), 'one run per event');
  // A run's slot is free once Temporal has closed it: closes sort before starts at the same instant.
  const edges = runs.flatMap((r) => [{ at: r.startTime.getTime(), d: 1 }, { at: r.closeTime!.getTime(), d: -1 }]).sort((a, b) => a.at - b.at || a.d - b.d);
  let inFlight = 0;
  let most = 0;
  for (const e of edges) most = Math.max(most, (inFlight += e.d));
  assert.equal(most, 2, 'two runs at a time, never more');
  // Arrival order: the order in which the gate started the runs, from its history.
  const gate = stack.client.workflow.getHandle(gateWorkflowId({ name: 'gate-concurrency' }, 'payments', customer));
  assert.equal((await gate.describe()).type, GATED_WORKFLOW_TYPE);
  const events = (await gate.fetchHistory()).events ?? [];
  const startOrder = events.flatMap((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId?.split(':').pop() ?? []);
  assert.deepEqual(startOrder, ids);
});

test('throttle {limit: 5, period: 1s}: 50 starts spread over at least 9 s, the gate shows it is throttled, /metrics counts the held events', async () => {
  const customer = uid('cus');
  const posting = postAll('thr', customer, 50, 10);
  const gateId = gateWorkflowId({ name: 'gate-throttle' }, 'payments', '');
  await waitFor('the gate to show HookflowOutcome = throttled', async () => {
    for await (const g of stack.client.workflow.list({ query: `WorkflowId = '${gateId}' AND HookflowOutcome = 'throttled'` })) return g;
    return undefined;
  }, { attempts: 300, intervalMs: 100 });
  await posting;
  const runs = await allCompleted('gate-throttle', 50);
  const starts = runs.map((r) => r.startTime.getTime()).sort((a, b) => a - b);
  assert.ok(starts[49] - starts[0] >= 9000, `50 starts within ${starts[49] - starts[0]} ms`);
  // The gate's own decisions, as its history dates them (a start is decided at the time of the
  // workflow task that issues it): any 6 consecutive starts span at least 1 s (1 ms of rounding).
  const decided = await gateStartDecisions(gateId);
  assert.equal(decided.length, 50);
  for (let k = 0; k + 5 < decided.length; k++) assert.ok(decided[k + 5] - decided[k] >= 999, `starts ${k}..${k + 5} decided within ${decided[k + 5] - decided[k]} ms`);
  const metrics = await scrape(`${workerOps}/metrics`);
  const held = metrics('hookflow_gate_queued', { flow: 'gate-throttle', control: 'throttle' }) || metrics('hookflow_gate_queued_total', { flow: 'gate-throttle', control: 'throttle' });
  assert.ok(held > 0, `held by the throttle: ${held}`);
  const gate = stack.client.workflow.getHandle(gateId);
  assert.equal((await gate.result()).started, 50);
});

test('a worker killed with SIGKILL during a throttled burst: every event runs, none twice', async () => {
  const customer = uid('cus');
  const early = await postAll('crash', customer, 20, 10);
  await waitFor('a few throttled runs started', async () => (await runsOf('gate-crash')).length >= 5, { attempts: 300, intervalMs: 100 });
  worker.child.kill('SIGKILL');
  assert.equal((await worker.exited).signal, 'SIGKILL');
  const startedBeforeKill = (await runsOf('gate-crash')).length;
  const late = await postAll('crash', customer, 20, 10); // accepted while no worker runs: they wait in Temporal
  worker = await startWorker();
  const runs = await allCompleted('gate-crash', 40);
  assert.ok(startedBeforeKill < 40, 'the kill came mid-burst');
  assert.deepEqual(runs.map(eventIdOf).sort(), [...early, ...late].sort(), 'each event exactly one run');
  const counted = await stack.db.collection<{ _id: string; runs: number }>('gate_runs').find().toArray();
  assert.equal(counted.length, 40);
  assert.ok(counted.every((d) => d.runs === 1), JSON.stringify(counted.filter((d) => d.runs !== 1)));
});
