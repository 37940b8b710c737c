// Long-lived runs keep bounded state, on a real worker against the dev server: an entity queue
// pushed past what continue-as-new may carry drains first and then carries each definition once
// (events refer to it by version); a correlated run's signals from the ingress carry no
// definition, and its seen and ignored lists stay within their bounds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import pino from 'pino';
import {
  CORRELATED_WORKFLOW_TYPE, CORRELATION_QUERY, ENTITY_WORKFLOW_TYPE, EVENT_SIGNAL,
  type CorrelatedRunInput, type CorrelationState, type EntityRunInput, type QueuedEvent,
} from '../../engine/contract';
import type { FlowDefinition, FlowEvent } from '../../engine/types';
import { planRuns } from '../../server/starts/planned-runs';
import { createRunStarter } from '../../server/starts/start-runs';
import { startTestStack, TEST_TASK_QUEUE, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

let stack: TestStack;
before(async () => { stack = await startTestStack(); });
after(async () => { await stack?.stop(); });

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
type Payloads = { payloads?: { data?: Uint8Array | null }[] | null } | null | undefined;
const event = (type: string, body: unknown = {}): FlowEvent => ({ id: uid('evt'), type, source: 'payments', receivedAt: new Date().toISOString(), body });
const decoded = (payloads: Payloads) => (payloads?.payloads ?? []).map((p) => JSON.parse(Buffer.from(p.data!).toString('utf8')));

async function history(workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  return (await stack.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
}

test('an entity queue past what it may carry drains first, then continues as new with each definition once', async () => {
  const key = uid('ord');
  const collection = uid('entity');
  const flow: FlowDefinition = {
    name: 'bounded-entity', version: 'v1', trigger: { source: 'payments', events: ['order.updated'] }, entityKey: 'event.body.order',
    steps: [{ id: 'record', uses: 'mongo.updateOne', with: { collection, filter: { _id: key }, update: { $push: { seen: '{{ event.id }}' } }, upsert: true } }],
  };
  // Eight events of about 1.2 KB waiting, two per run, at most 3 KB carried: the first run must
  // run six events (past maxEventsPerRun) before the two left fit into continue-as-new.
  const events = Array.from({ length: 8 }, () => event('order.updated', { order: key, note: 'n'.repeat(1000) }));
  const workflowId = `bounded-entity:payments:${key}`;
  const handle = await stack.client.workflow.start(ENTITY_WORKFLOW_TYPE, {
    taskQueue: TEST_TASK_QUEUE, workflowId,
    args: [{ flow: flow.name, source: 'payments', key, queue: events.map((e) => ({ event: e, flow })), maxEventsPerRun: 2, maxCarriedBytes: 3000 } satisfies EntityRunInput],
  });
  assert.deepEqual(await handle.result(), { processed: 2, failed: [] }, 'the last run ran the two carried events');

  const first = await history(workflowId, handle.firstExecutionRunId);
  assert.equal(first.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length, 6, 'drained past maxEventsPerRun until the backlog fit');
  const continued = first.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)?.workflowExecutionContinuedAsNewEventAttributes;
  assert.ok(continued, 'the first run continued as new');
  const [carried] = decoded(continued.input) as EntityRunInput[];
  assert.deepEqual(Object.keys(carried.flows ?? {}), ['v1'], 'the definition once');
  assert.deepEqual(carried.queue!.map((q) => [(q as QueuedEvent).flowVersion, 'flow' in q]), [['v1', false], ['v1', false]], 'events refer to it by version');
  assert.deepEqual(carried.queue!.map((q) => q.event.id), events.slice(6).map((e) => e.id));
  assert.ok(Buffer.byteLength(JSON.stringify(carried.queue)) <= 3000, 'the carried backlog fits the bound');

  const doc = await stack.db.collection<{ _id: string; seen: string[] }>(collection).findOne({ _id: key });
  assert.deepEqual(doc?.seen, events.map((e) => e.id), 'every event once, in order');
});

const correlatedFlow = (): FlowDefinition => ({
  name: 'bounded-correlated', version: 'v1', trigger: { source: 'payments', events: ['payment.created'] },
  correlation: { key: 'event.body.id', triggerTimeout: '1m' },
  steps: [
    { id: 'payment', wait: { events: ['payment.succeeded'], timeout: '30s' } },
    { id: 'done', uses: 'log', with: { message: 'done' } },
  ],
});

test('the ingress signals a correlated run without its definition, and the run completes', async () => {
  const flow = correlatedFlow();
  const id = uid('pay');
  const startRuns = createRunStarter(stack.client, TEST_TASK_QUEUE, pino({ level: 'silent' }));
  const created = { ...event('payment.created', { id }) };
  const succeeded = { ...event('payment.succeeded', { id }) };
  const [run] = await startRuns(await planRuns([flow], created), created);
  await startRuns(await planRuns([flow], succeeded), succeeded);
  await stack.client.workflow.getHandle(run.workflowId).result();
  const signals = (await history(run.workflowId)).filter((e) => e.workflowExecutionSignaledEventAttributes);
  assert.equal(signals.length, 2);
  for (const s of signals) {
    const [delivery] = decoded(s.workflowExecutionSignaledEventAttributes!.input);
    assert.deepEqual(Object.keys(delivery), ['event'], 'the event only, no definition');
  }
});

test('a correlated run keeps only its last ignored events and seen ids, and counts them all', async () => {
  const flow = correlatedFlow();
  const key = uid('pay');
  const workflowId = `bounded-correlated:payments:${key}`;
  const signal = (e: FlowEvent) => stack.client.workflow.signalWithStart(CORRELATED_WORKFLOW_TYPE, {
    taskQueue: TEST_TASK_QUEUE, workflowId, args: [{ flow, source: 'payments', key, limits: { seenKept: 20, ignoredKept: 20 } } satisfies CorrelatedRunInput],
    signal: EVENT_SIGNAL, signalArgs: [{ event: e }],
  });
  const trigger = event('payment.created', { id: key });
  const handle = await signal(trigger);
  const extras = Array.from({ length: 30 }, () => event('payment.created', { id: key }));
  for (const e of extras) await signal(e);
  const query = () => handle.query<CorrelationState>(CORRELATION_QUERY);
  const state = await waitFor('the run to have ignored 30 events', async () => { const s = await query(); return s.ignoredTotal === 30 && s; });
  assert.deepEqual(state.ignored.map((i) => i.id), extras.slice(-20).map((e) => e.id), 'the last 20 ignored events');
  // The oldest ids were forgotten (only the last 20 are kept): a resend of one is looked at again
  // (and ignored again, as a second trigger), not dropped as a duplicate.
  await signal(extras[0]);
  const again = await waitFor('the run to have ignored more than 30 events', async () => { const s = await query(); return (s.ignoredTotal ?? 0) > 30 && s; });
  assert.equal(again.ignoredTotal, 31);
  assert.equal(again.ignored.length, 20);
  await signal(event('payment.succeeded', { id: key }));
  await handle.result();
});

