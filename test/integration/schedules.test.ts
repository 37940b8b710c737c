// Scheduled flows on the real stack: the schedule sync creates, updates and deletes Temporal
// Schedules as flow files change; scheduled runs get a synthetic event and search attributes; the
// shipped payment-sweep reconciles stale payments against a loopback provider API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, ScheduleNotFoundError, type ScheduleHandle } from '@temporalio/client';
import { searchAttributes, temporalScheduledStartTime } from '../../engine/contract';
import { createDefinitionStore, type DefinitionStore } from '../../definitions/definition-store';
import { loadDefinitions } from '../../definitions/definitions';
import { freePort } from '../../lib/net';
import { startScheduleSync, type ScheduleSyncLoop } from '../../server/schedules/sync';
import { ROOT, TEST_SECRET, TEST_TASK_QUEUE, startTestStack, type TestStack } from '../helpers/stack';
import { startFakeApi, type FakeApi } from '../helpers/fake-api';
import { uid } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

const TOKEN = `Bearer psp-${uid('tok')}`;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

let stack: TestStack;
let api: FakeApi;
let flowsDir: string;
let store: DefinitionStore;
let sync: ScheduleSyncLoop;

before(async () => {
  api = await startFakeApi();
  // Secrets reach the activities through the worker's environment, never through the flow.
  Object.assign(process.env, { PAYMENTS_API_URL: `${api.url}/psp`, PAYMENTS_API_TOKEN: TOKEN });
  stack = await startTestStack();
  flowsDir = mkdtempSync(join(tmpdir(), 'hookflow-schedules-'));
  copyFileSync(join(ROOT, 'flows/payment-sweep.yaml'), join(flowsDir, 'payment-sweep.yaml'));
  const dirs = { flowsDir, sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') };
  store = createDefinitionStore(() => loadDefinitions(dirs, { PAYMENTS_WEBHOOK_SECRET: TEST_SECRET }), quiet);
  // As the ingress wires it: a sync at start-up, and one after every applied reload.
  sync = startScheduleSync({ client: stack.client, taskQueue: TEST_TASK_QUEUE, log: quiet, flows: () => store.current().flows });
  store.onApplied(() => void sync.request('flows reloaded'));
});
after(async () => {
  await sync?.stop();
  await stack?.stop();
  await api?.close();
  if (flowsDir) rmSync(flowsDir, { recursive: true, force: true });
});

const orders = () => stack.db.collection<{ _id: string; [k: string]: unknown }>('orders');
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

/** Triggers the schedule now and returns the id of the run it started. */
async function triggerRun(handle: ScheduleHandle): Promise<string> {
  const before = (await handle.describe()).info.recentActions.length;
  await handle.trigger();
  return waitFor('the triggered schedule to start a run', async () => {
    const actions = (await handle.describe()).info.recentActions;
    return actions.length > before && actions[actions.length - 1].action.workflow.workflowId;
  });
}

async function describeOrNull(scheduleId: string) {
  return stack.client.schedule.getHandle(scheduleId).describe().catch((err) => {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  });
}

describe('payment-sweep, the shipped housekeeping flow', () => {
  const sweep = () => stack.client.schedule.getHandle('hookflow:payment-sweep');

  test('the sync created its schedule: every 15m, skip overlaps, owned by hookflow', async () => {
    const report = await sync.request('test');
    assert.deepEqual(report.failed, []);
    const schedule = await sweep().describe();
    assert.deepEqual(schedule.spec.intervals?.map((i) => i.every), [15 * 60_000]);
    assert.equal(schedule.policies.overlap, 'SKIP');
    assert.deepEqual(schedule.memo, { hookflow: { flow: 'payment-sweep', taskQueue: TEST_TASK_QUEUE } });
    assert.equal(schedule.action.workflowType, 'runScheduledFlow');
    assert.equal(schedule.action.taskQueue, TEST_TASK_QUEUE);
    const again = await sync.request('test again');
    assert.deepEqual(again.unchanged, ['hookflow:payment-sweep'], 'an unchanged flow leaves its schedule alone');
  });

  test('with nothing stale, a run reads once and calls nothing', async () => {
    const requests = api.requests.length;
    const workflowId = await triggerRun(sweep());
    const result = await stack.client.workflow.getHandle(workflowId).result();
    assert.equal(result.steps['find-stale'].output.count, 0);
    assert.deepEqual(result.steps['ask-provider'].output, []);
    assert.equal(api.requests.length, requests);
  });

  test('stale payments are asked about and settled ones recorded; pending, fresh and settled orders are left alone', async () => {
    const ids = { paid: uid('ord'), failed: uid('ord'), pending: uid('ord'), fresh: uid('ord'), done: uid('ord') };
    const pay = (orderId: string) => `pay_${orderId}`;
    await orders().insertMany([
      { _id: ids.paid, status: 'awaiting-payment', paymentId: pay(ids.paid), awaitingSince: hoursAgo(3) },
      { _id: ids.failed, status: 'awaiting-payment', paymentId: pay(ids.failed), awaitingSince: hoursAgo(2) },
      { _id: ids.pending, status: 'awaiting-payment', paymentId: pay(ids.pending), awaitingSince: hoursAgo(2) },
      { _id: ids.fresh, status: 'awaiting-payment', paymentId: pay(ids.fresh), awaitingSince: hoursAgo(0.2) },
      { _id: ids.done, status: 'paid', paymentId: pay(ids.done), awaitingSince: hoursAgo(5) },
    ]);
    const answers: Record<string, string> = { [pay(ids.paid)]: 'succeeded', [pay(ids.failed)]: 'failed', [pay(ids.pending)]: 'pending' };
    api.handler = (r) => {
      const id = r.path.replace('/psp/payments/', '');
      return answers[id] ? { status: 200, body: { id, status: answers[id] } } : { status: 404, body: { error: 'unknown payment' } };
    };
    const workflowId = await triggerRun(sweep());
    assert.match(workflowId, /^payment-sweep:schedule-\d{4}-\d\d-\d\dT/);
    const handle = stack.client.workflow.getHandle(workflowId);
    await handle.result();

    assert.equal((await orders().findOne({ _id: ids.paid }))?.status, 'paid');
    assert.equal((await orders().findOne({ _id: ids.paid }))?.reconciledBy, 'sweep');
    assert.equal((await orders().findOne({ _id: ids.failed }))?.status, 'payment-failed');
    assert.equal((await orders().findOne({ _id: ids.pending }))?.status, 'awaiting-payment');
    assert.equal((await orders().findOne({ _id: ids.fresh }))?.reconciledBy, undefined);
    const asked = api.requests.map((r) => r.path);
    assert.deepEqual(asked.filter((p) => p.includes(ids.paid) || p.includes(ids.failed) || p.includes(ids.pending)).sort(), [pay(ids.failed), pay(ids.paid), pay(ids.pending)].map((p) => `/psp/payments/${p}`).sort());
    assert.ok(!asked.some((p) => p.includes(ids.fresh) || p.includes(ids.done)), 'fresh and settled orders are not asked about');
    assert.ok(api.requests.every((r) => r.headers.authorization === TOKEN));

    // The run reads well in the Temporal UI: the same search attributes as event runs, and a summary.
    const run = await handle.describe();
    const scheduledAt = run.typedSearchAttributes.get(temporalScheduledStartTime);
    assert.ok(scheduledAt instanceof Date);
    assert.equal(run.typedSearchAttributes.get(searchAttributes.flow), 'payment-sweep');
    assert.equal(run.typedSearchAttributes.get(searchAttributes.source), 'schedule');
    assert.equal(run.typedSearchAttributes.get(searchAttributes.eventType), 'schedule.fired');
    assert.equal(run.typedSearchAttributes.get(searchAttributes.flowVersion), store.current().flows[0].version);
    assert.equal(run.typedSearchAttributes.get(searchAttributes.eventId), scheduledAt.toISOString().replace('.000Z', 'Z'));
    assert.equal(await run.staticSummary(), 'payment-sweep ← schedule (every 15m)');
  });
});

describe('the schedule sync follows the flow files', () => {
  const tickFile = () => join(flowsDir, 'tick.yaml');
  const tickFlow = (schedule: string, message: string) =>
    `name: tick\ntrigger:\n  schedule:\n${schedule}\nsteps:\n  - id: say\n    uses: log\n    with: { message: "${message} {{ event.id }}" }\n`;

  test('a schedule fires on its own; the run\'s event id is the time it was scheduled for', async () => {
    writeFileSync(tickFile(), tickFlow('    every: 1s', 'tick'));
    assert.ok(store.reload('test'));
    const report = await sync.request('test');
    assert.deepEqual(report.created, ['hookflow:tick']);
    const handle = stack.client.schedule.getHandle('hookflow:tick');
    const [first] = await waitFor('the schedule to fire on its own', async () => {
      const actions = (await handle.describe()).info.recentActions;
      return actions.length > 0 && actions;
    }, { intervalMs: 200 });
    assert.equal(first.scheduledAt.getMilliseconds(), 0, 'every: 1s runs on whole seconds');
    // The run sets its event id itself, in its first workflow task: wait for it.
    const run = stack.client.workflow.getHandle(first.action.workflow.workflowId);
    const eventId = await waitFor('the scheduled run to carry its event id', async () => (await run.describe()).typedSearchAttributes.get(searchAttributes.eventId));
    assert.equal(eventId, first.scheduledAt.toISOString().replace('.000Z', 'Z'));
  });

  test('a changed flow updates its schedule, so runs carry the new definition; an operator\'s pause survives', async () => {
    const handle = stack.client.schedule.getHandle('hookflow:tick');
    await handle.pause('paused by the on-call engineer');
    writeFileSync(tickFile(), tickFlow('    cron: ["0 3 * * *", "30 12 * * MON-FRI"]\n    timezone: Europe/Berlin\n    overlap: bufferOne', 'changed'));
    assert.ok(store.reload('test'));
    const report = await sync.request('test');
    assert.deepEqual(report.updated, ['hookflow:tick']);
    const schedule = await handle.describe();
    assert.equal(schedule.spec.timezone, 'Europe/Berlin');
    assert.equal(schedule.spec.calendars?.length, 2);
    assert.equal(schedule.policies.overlap, 'BUFFER_ONE');
    assert.equal(schedule.state.paused, true);
    const flow = store.current().flows.find((f) => f.name === 'tick')!;
    const [input] = schedule.action.args as [{ flow: { version: string; steps: { with: { message: string } }[] } }];
    assert.equal(input.flow.version, flow.version);
    assert.match(input.flow.steps[0].with.message, /^changed/);

    const workflowId = await triggerRun(handle);
    const result = await stack.client.workflow.getHandle(workflowId).result();
    assert.equal(result.version, flow.version);
  });

  test('a flow that is removed, or no longer scheduled, loses its schedule; schedules hookflow does not own are left alone', async () => {
    const foreign = await stack.client.schedule.create({
      scheduleId: 'hookflow:not-ours',
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'someoneElses', taskQueue: 'elsewhere' },
      state: { paused: true },
    });
    writeFileSync(tickFile(), 'name: tick\ntrigger: { source: payments, events: [payment.succeeded] }\nsteps:\n  - id: say\n    uses: log\n    with: { message: hi }\n');
    assert.ok(store.reload('test'));
    let report = await sync.request('test');
    assert.deepEqual(report.deleted, ['hookflow:tick']);
    assert.equal(await describeOrNull('hookflow:tick'), null);

    rmSync(join(flowsDir, 'payment-sweep.yaml'));
    assert.ok(store.reload('test'));
    report = await sync.request('test');
    assert.deepEqual(report.deleted, ['hookflow:payment-sweep']);
    assert.equal(await describeOrNull('hookflow:payment-sweep'), null);
    assert.ok(await describeOrNull('hookflow:not-ours'), 'a schedule without hookflow\'s memo is not deleted');
    await foreign.delete();
  });
});

test('while Temporal cannot be reached, the sync logs, retries and never throws', async () => {
  const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
  const warnings: { retryInMs: number }[] = [];
  const log = { info: () => undefined, warn: (fields: object) => void warnings.push(fields as { retryInMs: number }) };
  const flows = loadDefinitions({ flowsDir: join(ROOT, 'flows'), sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') }, { PAYMENTS_WEBHOOK_SECRET: TEST_SECRET }).flows;
  const down = startScheduleSync({ client: new Client({ connection }), taskQueue: TEST_TASK_QUEUE, log, flows: () => flows, callTimeoutMs: 500, retryMs: { initial: 50, max: 100 } });
  const report = await down.request('test');
  assert.equal(report.failed[0].scheduleId, 'hookflow:payment-sweep');
  await waitFor('two retries to be logged', async () => warnings.length >= 2, { intervalMs: 50 });
  assert.deepEqual(warnings.slice(0, 2).map((w) => w.retryInMs), [50, 100], 'retried with backoff');
  await down.stop();
  await connection.close();
});
