// Correlated and entity workflows on a real worker against the dev server, fed directly by
// signal-with-start (no HTTP): a trigger that never comes, a second trigger event, and an entity
// queue that continues as new without losing or reordering events.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CORRELATED_WORKFLOW_TYPE, CORRELATION_QUERY, ENTITY_WORKFLOW_TYPE, EVENT_SIGNAL,
  type CorrelatedRunInput, type CorrelationState, type EntityRunInput, type EventDelivery,
} from '../../engine/contract';
import type { FlowDefinition, FlowEvent } from '../../engine/types';
import { startTestStack, TEST_TASK_QUEUE, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';

let stack: TestStack;
before(async () => { stack = await startTestStack(); });
after(async () => { await stack?.stop(); });

const event = (type: string, body: unknown = {}): FlowEvent => ({ id: uid('evt'), type, source: 'payments', receivedAt: new Date().toISOString(), body });

const correlated = (triggerTimeout: string): FlowDefinition => ({
  name: 'keyed-test', version: 'v1', trigger: { source: 'payments', events: ['payment.created'] },
  correlation: { key: 'event.body.id', triggerTimeout },
  steps: [
    { id: 'payment', wait: { events: ['payment.succeeded'], timeout: '10s' } },
    { id: 'done', uses: 'log', with: { message: 'done' } },
  ],
});

async function signalCorrelated(flow: FlowDefinition, key: string, e: FlowEvent) {
  return stack.client.workflow.signalWithStart(CORRELATED_WORKFLOW_TYPE, {
    taskQueue: TEST_TASK_QUEUE, workflowId: `keyed-test:payments:${key}`, args: [{ flow, source: 'payments', key } satisfies CorrelatedRunInput],
    signal: EVENT_SIGNAL, signalArgs: [{ event: e, flow } satisfies EventDelivery],
  });
}

test('a callback whose trigger never comes: the run ends quietly as trigger_missing (completed, not failed), listing what it held', async () => {
  const key = uid('pay');
  const callback = event('payment.succeeded');
  const handle = await signalCorrelated(correlated('1s'), key, callback);
  const result = await handle.result();
  assert.deepEqual(result.triggerMissing, { waited: '1s', buffered: [{ id: callback.id, type: 'payment.succeeded' }] });
  assert.deepEqual(result.steps, {}, 'no step ran');
  const described = await handle.describe();
  assert.equal(described.status.name, 'COMPLETED');
  assert.deepEqual(described.searchAttributes.HookflowOutcome, ['trigger_missing']);
});

test('a second trigger event for the same key is recorded as ignored; the first one runs', async () => {
  const key = uid('pay');
  const flow = correlated('1m');
  const [first, second, callback] = [event('payment.created'), event('payment.created'), event('payment.succeeded')];
  const handle = await signalCorrelated(flow, key, first);
  await signalCorrelated(flow, key, second);
  await signalCorrelated(flow, key, callback);
  await handle.result();
  const state = await handle.query<CorrelationState>(CORRELATION_QUERY);
  assert.equal(state.trigger, first.id);
  assert.deepEqual(state.ignored.map((e) => [e.id, e.reason]), [[second.id, `this run already has its trigger event ${first.id}`]]);
  assert.deepEqual((await handle.describe()).searchAttributes.HookflowEventId, [first.id]);
});

test('an entity queue continues as new after maxEventsPerRun, keeping every event in order', async () => {
  const key = uid('ord');
  const collection = uid('entity');
  const flow: FlowDefinition = {
    name: 'entity-test', version: 'v1', trigger: { source: 'payments', events: ['order.updated'] }, entityKey: 'event.body.order',
    steps: [{ id: 'record', uses: 'mongo.updateOne', with: { collection, filter: { _id: key }, update: { $push: { seen: '{{ event.id }}' } }, upsert: true } }],
  };
  const events = Array.from({ length: 5 }, () => event('order.updated', { order: key }));
  const workflowId = `entity-test:payments:${key}`;
  // Five events already queued and at most two per run: the queue must continue as new twice.
  const handle = await stack.client.workflow.start(ENTITY_WORKFLOW_TYPE, {
    taskQueue: TEST_TASK_QUEUE, workflowId,
    args: [{ flow: flow.name, source: 'payments', key, queue: events.map((e) => ({ event: e, flow })), maxEventsPerRun: 2 } satisfies EntityRunInput],
  });
  assert.deepEqual(await handle.result(), { processed: 1, failed: [] });
  const first = await stack.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory();
  assert.ok(first.events?.some((e) => e.workflowExecutionContinuedAsNewEventAttributes), 'the first run continued as new');
  const doc = await stack.db.collection<{ _id: string; seen: string[] }>(collection).findOne({ _id: key });
  assert.deepEqual(doc?.seen, events.map((e) => e.id));
});
