// When long-lived queue workflows continue as new, on a real worker against a dev server whose
// history limit is set low (limit.historyCount.suggestContinueAsNew): an entity queue continues
// because Temporal suggested it, well before its own count; a gate whose backlog is past its byte
// bound keeps starting runs until what it carries fits.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { ENTITY_WORKFLOW_TYPE, type EntityRunInput } from '../../engine/contract';
import { GATED_WORKFLOW_TYPE, gateControlsOf, gateWorkflowId, type GateRunInput } from '../../engine/controls';
import type { FlowDefinition, FlowEvent } from '../../engine/types';
import { startTestStack, TEST_TASK_QUEUE, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';
import { plainHistory } from '../helpers/plain-history';

/** Temporal suggests continue-as-new once a run's history has this many events (default 4096). */
const SUGGEST_AT = 40;

let stack: TestStack;
before(async () => { stack = await startTestStack({ temporalDynamicConfig: [`limit.historyCount.suggestContinueAsNew=${SUGGEST_AT}`] }); });
after(async () => { await stack?.stop(); });

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
type Payloads = { payloads?: { data?: Uint8Array | null }[] | null } | null | undefined;
const decoded = (payloads: Payloads) => (plainHistory(payloads)?.payloads ?? []).map((p) => JSON.parse(Buffer.from(p.data!).toString('utf8')));
const event = (body: unknown = {}): FlowEvent => ({ id: uid('evt'), type: 'order.updated', source: 'payments', receivedAt: new Date().toISOString(), body });
const flowOf = (name: string, extra: Partial<FlowDefinition>): FlowDefinition => ({
  name, version: 'v1', trigger: { source: 'payments', events: ['order.updated'] }, ...extra,
  steps: [{ id: 'note', uses: 'log', with: { message: 'event {{ event.id }}' } }],
});

async function history(workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  return (await stack.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
}
const childStarts = (events: HistoryEvent[]) => events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
const continuedInput = <T>(events: HistoryEvent[]): T | undefined => {
  const continued = events.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)?.workflowExecutionContinuedAsNewEventAttributes;
  return continued ? (decoded(continued.input)[0] as T) : undefined;
};

test('an entity queue continues as new when Temporal suggests it, long before its own event count, and loses no event', async () => {
  const key = uid('ord');
  const flow = flowOf('suggested-entity', { entityKey: 'event.body.order' });
  const events = Array.from({ length: 12 }, () => event({ order: key }));
  const workflowId = `suggested-entity:payments:${key}`;
  const handle = await stack.client.workflow.start(ENTITY_WORKFLOW_TYPE, {
    taskQueue: TEST_TASK_QUEUE, workflowId,
    args: [{ flow: flow.name, source: 'payments', key, queue: events.map((e) => ({ event: e, flow })) } satisfies EntityRunInput], // maxEventsPerRun: the default 200
  });
  await handle.result();

  const first = await history(workflowId, handle.firstExecutionRunId);
  assert.ok(first.some((e) => e.workflowTaskStartedEventAttributes?.suggestContinueAsNew), 'Temporal suggested continue-as-new to the first run');
  const carried = continuedInput<EntityRunInput>(first);
  assert.ok(carried, 'the first run continued as new');
  const ranFirst = childStarts(first).length;
  assert.ok(ranFirst > 0 && ranFirst < events.length, `the first run ran ${ranFirst} of ${events.length} before continuing`);
  assert.deepEqual(carried.queue!.map((q) => q.event.id), events.slice(ranFirst).map((e) => e.id), 'the rest carried, in order');
  for (const e of events) {
    const child = await stack.client.workflow.getHandle(`suggested-entity:payments:${key}:${e.id}`).describe();
    assert.equal(child.status.name, 'COMPLETED', `${e.id} ran`);
  }
});

test('a gate due to continue whose backlog is past its byte bound starts runs until what it carries fits', async () => {
  const key = uid('gate');
  const flow = flowOf('byte-bound-gate', { concurrency: { limit: 8 } });
  const events = Array.from({ length: 8 }, () => event({ note: 'n'.repeat(1000) }));
  // Due after one start (maxStartsPerRun 1), but eight events of about 1.2 KB do not fit in 3000 bytes.
  const handle = await stack.client.workflow.start(GATED_WORKFLOW_TYPE, {
    taskQueue: TEST_TASK_QUEUE, workflowId: gateWorkflowId(flow, 'payments', key),
    args: [{
      flow: flow.name, source: 'payments', key, controls: gateControlsOf(flow), maxStartsPerRun: 1, maxCarriedBytes: 3000, flows: { v1: flow },
      queue: events.map((e) => ({ event: e, flowVersion: 'v1', workflowId: `byte-bound-gate:payments:${e.id}` })),
    } satisfies GateRunInput],
  });
  await handle.result();

  const first = await history(handle.workflowId, handle.firstExecutionRunId);
  const carried = continuedInput<GateRunInput>(first);
  assert.ok(carried, 'the first run continued as new');
  const bytes = Buffer.byteLength(JSON.stringify(carried.queue));
  assert.ok(bytes <= 3000, `carried ${bytes} bytes of queue, past the 3000 bound`);
  const ranFirst = childStarts(first).length;
  assert.ok(ranFirst > 1, `past maxStartsPerRun: the first run started ${ranFirst} to bring its backlog within the bound`);
  assert.deepEqual(carried.queue!.map((q) => q.event.id), events.slice(ranFirst).map((e) => e.id), 'the rest carried, in order');
});
