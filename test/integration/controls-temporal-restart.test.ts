// Flow controls across a Temporal restart: the dev server the stack started is killed with
// SIGKILL and started again on the same port and SQLite file while a throttled burst waits in its
// gate and a debounce window holds events. Events posted meanwhile are acknowledged (202
// pending) and handed over by the relay once Temporal is back. Nothing is lost or doubled.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { startTemporalDevServer } from '../../devstack/temporal';
import { TOOLS, ensureTool } from '../../devstack/tools';
import type { CollectRunResult } from '../../engine/collect-contract';
import { freePort } from '../../lib/net';
import type { DeliveryRecord } from '../../server/deliveries/record';
import { TEST_SECRET, TEST_TASK_QUEUE, TEST_PAYLOAD_KEYS, type TestStack, startTestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { type ProjectProcess, spawnNodeEntry } from '../helpers/processes';
import { waitFor } from '../helpers/wait-for';

// The debounce period outlasts the outage, so the window is still open when Temporal is back.
const FLOWS = {
  'restart-throttle.yaml': `name: restart-throttle
trigger:
  source: payments
  events: [payment.succeeded]
  filter: $substringBefore(event.body.data.order_id, '_') = 'rst'
throttle: { limit: 5, period: 1s, key: event.body.data.customer.name }
steps:
  - id: count
    uses: mongo.updateOne
    with: { collection: restart_gate_runs, filter: { _id: "{{ event.id }}" }, update: { $inc: { runs: 1 } }, upsert: true }
`,
  'restart-debounce.yaml': `name: restart-debounce
trigger:
  source: payments
  events: [order.updated]
  filter: event.body.data.status = "restart"
debounce: { key: event.body.data.order_id, period: 30s }
steps:
  - id: sync
    uses: mongo.updateOne
    with: { collection: restart_syncs, filter: { _id: "{{ event.id }}" }, update: { $inc: { runs: 1 }, $set: { order: "{{ event.body.data.order_id }}", note: "{{ event.body.data.note }}" } }, upsert: true }
`,
};

let stack: TestStack;
let flowsDir: string;
let worker: ProjectProcess | undefined;

before(async () => {
  flowsDir = mkdtempSync(join(tmpdir(), 'hookflow-restart-flows-'));
  for (const [file, text] of Object.entries(FLOWS)) writeFileSync(join(flowsDir, file), text);
  stack = await startTestStack({ flowsDir, worker: false });
  worker = spawnNodeEntry('worker/main.ts', {
    ...process.env,
    TEMPORAL_ADDRESS: stack.services.temporalAddress, TEMPORAL_TASK_QUEUE: TEST_TASK_QUEUE, HOOKFLOW_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    MONGODB_URI: stack.services.mongodbUri, MONGODB_DB: stack.db.databaseName, SMTP_URL: stack.services.smtpUrl,
    HOOKFLOW_FLOWS_DIR: flowsDir, PAYMENTS_WEBHOOK_SECRET: TEST_SECRET, WORKER_OPS_PORT: String(await freePort()), HOOKFLOW_PRETTY_LOGS: '0',
  });
  await worker.waitForLine(/"msg":"worker running"/, { timeoutMs: 120_000 });
});

after(async () => {
  if (worker && worker.child.exitCode === null && worker.child.signalCode === null) { worker.child.kill('SIGTERM'); await worker.exited; }
  await stack?.stop();
  rmSync(flowsDir, { recursive: true, force: true });
});

const customer = uid('cus');
const orderId = uid('ord');

function gateEvent(): Record<string, any> {
  const body = paymentSucceeded({ orderId: `rst_${uid('o')}`, items: [{ sku: 's', quantity: 1 }] });
  body.data.customer.name = customer;
  return body;
}
const change = (note: string) => ({ id: uid('evt'), type: 'order.updated', created_at: '2026-11-23T10:00:00Z', data: { order_id: orderId, status: 'restart', note } });

/** Posts every body at once; each must be acknowledged with 202 (`pending` as expected). */
async function postAll(bodies: Record<string, any>[], pending: boolean): Promise<void> {
  const answers = await Promise.all(bodies.map((b) => postEvent(stack.ingressUrl, b)));
  for (const a of answers) {
    assert.equal(a.status, 202, JSON.stringify(a.body));
    assert.equal(Boolean(a.body.pending), pending, JSON.stringify(a.body));
  }
}

/** The SQLite file the stack's dev server was started with: the restart keeps its state. */
function dbFileOf(args: string[]): string {
  return args[args.indexOf('--db-filename') + 1]!;
}

async function gateRuns(): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const r of stack.client.workflow.list({ query: `WorkflowType = 'runFlow' AND HookflowFlow = 'restart-throttle'` })) runs.push(r);
  return runs;
}

test('Temporal killed with SIGKILL and restarted mid-throttle and mid-debounce: each gated event runs once, the burst once with its last event', async () => {
  const early = Array.from({ length: 20 }, gateEvent);
  await postAll(early, false);
  const burst = [1, 2, 3, 4, 5].map((n) => change(`change ${n}`));
  for (const e of burst.slice(0, 3)) await postAll([e], false);
  const collector = stack.client.workflow.getHandle(`restart-debounce:payments:debounce:${orderId}`);
  // Positive signals that both controls hold state in Temporal: the collector has taken three
  // events and set its timer; the gate has started some runs but not all.
  await waitFor('the collector to wait on its timer with three events', async () => {
    const history = (await collector.fetchHistory()).events ?? [];
    const signals = history.flatMap((h, i) => (h.workflowExecutionSignaledEventAttributes ? [i] : []));
    return signals.length === 3 && history.some((h, i) => i > signals[2] && h.timerStartedEventAttributes);
  }, { attempts: 300, intervalMs: 100 });
  await waitFor('the gate to start a few runs', async () => (await gateRuns()).length >= 3, { attempts: 300, intervalMs: 100 });

  const temporal = stack.services.processes.find((p) => p.name === 'temporal')!;
  const exited = new Promise<NodeJS.Signals | null>((r) => temporal.child.once('exit', (_code, signal) => r(signal)));
  temporal.child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  const startedBeforeKill = (await stack.db.collection('restart_gate_runs').countDocuments());
  assert.ok(startedBeforeKill < 20, `the kill came mid-burst (${startedBeforeKill} of 20 ran)`);

  // While Temporal is down: acknowledged, stored, pending.
  const late = Array.from({ length: 5 }, gateEvent);
  // Change 4 is stored (received) before change 5 is posted; the answers wait out the start deadline.
  const change4 = postAll([burst[3]], true);
  await waitFor('change 4 stored', () => stack.deliveries.collection.findOne({ _id: `payments:${burst[3].id}` }), { attempts: 300, intervalMs: 50 });
  await Promise.all([change4, postAll([...late, burst[4]], true)]);
  const pending = await stack.deliveries.collection.countDocuments({ 'relay.state': 'pending' });
  assert.equal(pending, 7);
  // The relay's backoff may hand change 4 over after change 5 (more failed attempts): make it so.
  const held = `payments:${burst[3].id}`;
  await waitFor('change 4 held back by the relay', async () => {
    const record = await stack.deliveries.collection.findOne({ _id: held });
    if (record!.relay!.leaseUntil > new Date()) return false; // an attempt is in flight
    const res = await stack.deliveries.collection.updateOne({ _id: held, 'relay.attempts': record!.relay!.attempts }, { $set: { 'relay.nextAttemptAt': new Date(Date.now() + 3_600_000) } });
    return res.modifiedCount === 1;
  }, { attempts: 300, intervalMs: 100 });

  const port = Number(stack.services.temporalAddress.split(':')[1]);
  const restarted = await startTemporalDevServer({ bin: ensureTool(TOOLS.temporal), port, headless: true, dbFile: dbFileOf(temporal.child.spawnargs) });
  stack.services.processes.splice(stack.services.processes.indexOf(temporal), 1, restarted.process);
  stack.relay.wake();
  await waitFor('change 5 handed to the collector', async () => (await stack.deliveries.collection.findOne({ _id: `payments:${burst[4].id}` }))?.relay?.state === 'started', { attempts: 600, intervalMs: 100 });
  await stack.deliveries.collection.updateOne({ _id: held }, { $set: { 'relay.nextAttemptAt': new Date() } });
  stack.relay.wake();

  // Gate: every acknowledged event exactly one run, exactly one effect.
  const all = [...early, ...late].map((e) => e.id as string);
  const runs = await waitFor('25 completed gated runs', async () => {
    const rs = await gateRuns();
    const bad = rs.find((r) => !['RUNNING', 'COMPLETED'].includes(r.status.name));
    if (bad) throw new Error(`${bad.workflowId} ended ${bad.status.name}`);
    return rs.filter((r) => r.status.name === 'COMPLETED').length >= all.length && rs;
  }, { attempts: 900, intervalMs: 200 });
  assert.deepEqual(runs.map((r) => r.workflowId.split(':').pop()).sort(), [...all].sort(), 'one run per event');
  const counted = await stack.db.collection<{ _id: string; runs: number }>('restart_gate_runs').find().toArray();
  assert.deepEqual(counted.map((d) => d._id).sort(), [...all].sort());
  assert.ok(counted.every((d) => d.runs === 1), JSON.stringify(counted.filter((d) => d.runs !== 1)));

  // Debounce: one run, with the event received last; the four others recorded as debounced by it.
  const last = burst[4];
  const runId = `restart-debounce:payments:${last.id}`;
  assert.deepEqual(await collector.result() as CollectRunResult, { runs: [runId], absorbed: 4 });
  const synced = await stack.db.collection<{ _id: string; runs: number; note: string }>('restart_syncs').find({ order: orderId }).toArray();
  assert.deepEqual(synced.map((d) => [d._id, d.note, d.runs]), [[last.id, 'change 5', 1]]);
  for (const e of burst.slice(0, 4)) {
    const record = await stack.db.collection<DeliveryRecord>('hookflow_deliveries').findOne({ _id: `payments:${e.id}` });
    assert.deepEqual([record?.absorbed?.['restart-debounce']?.as, record?.absorbed?.['restart-debounce']?.by], ['debounced', runId], e.id);
  }
  // Every stored delivery was handed over.
  assert.equal(await stack.deliveries.collection.countDocuments({ 'relay.state': 'pending' }), 0);
});
