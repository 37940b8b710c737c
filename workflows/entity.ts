// An entity-keyed flow's queue: one workflow per entity key (e.g. order id), fed by
// signal-with-start. It runs the flow for each event as a child run (its own workflow id, steps
// and status in the UI), one at a time in arrival order; different entities have different
// queues and run in parallel. It ends when the queue is empty (the next event starts it again)
// and continues as new after a bounded number of events, so its history stays small.
// Deterministic: only @temporalio/workflow, pure flow helpers and types.
import {
  ParentClosePolicy, allHandlersFinished, condition, continueAsNew, defineSignal,
  executeChild, log, setHandler, upsertMemo, workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { EVENT_SIGNAL, FLOW_WORKFLOW_TYPE, runSearchAttributes, type EntityRunInput, type EventDelivery, type FlowRunInput } from '../engine/contract';

const entitySignal = defineSignal<[EventDelivery]>(EVENT_SIGNAL);
const DEFAULT_MAX_EVENTS = 200;
/** Event ids remembered across continue-as-new to drop duplicate signals (the delivery store is the main guard). */
const SEEN_KEPT = 500;

export interface EntityRunResult { processed: number; failed: string[] }

export async function runEntityFlow(input: EntityRunInput): Promise<EntityRunResult> {
  const queue: EventDelivery[] = [...(input.queue ?? [])];
  const seen = new Set(input.seen ?? []);
  const failed: string[] = [];
  setHandler(entitySignal, (delivery) => {
    if (seen.has(delivery.event.id)) {
      log.info('duplicate event dropped', { eventId: delivery.event.id });
      return;
    }
    seen.add(delivery.event.id);
    queue.push(delivery);
  });

  let processed = 0;
  while (queue.length) {
    if (processed >= (input.maxEventsPerRun ?? DEFAULT_MAX_EVENTS) || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof runEntityFlow>({ ...input, queue, seen: [...seen].slice(-SEEN_KEPT) });
    }
    const delivery = queue.shift()!;
    if (!(await runOne(input, delivery))) failed.push(delivery.event.id);
    processed++;
  }
  return { processed, failed };
}

/** Runs one event's flow as a child and waits for it; a failed event is recorded, the queue goes on. */
async function runOne(input: EntityRunInput, { event, flow, workflowId }: EventDelivery): Promise<boolean> {
  const childId = workflowId ?? `${workflowInfo().workflowId}:${event.id}`;
  try {
    await executeChild(FLOW_WORKFLOW_TYPE, {
      workflowId: childId,
      args: [{ flow, event } satisfies FlowRunInput],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `${flow.name} ← ${event.type} ${event.id} (${event.source}), entity ${input.key}`,
      memo: { event: { id: event.id, type: event.type, source: event.source, receivedAt: event.receivedAt }, flowVersion: flow.version },
      typedSearchAttributes: runSearchAttributes(flow, event, input.key),
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      log.info('event already had its run', { eventId: event.id, workflowId: childId });
      return true;
    }
    // The child run failed visibly on its own (its onFailure ran); the next event still runs.
    log.warn('event run failed; continuing with the next event', { eventId: event.id, workflowId: childId, message: (err as Error).message });
    upsertMemo({ lastFailedEvent: { id: event.id, workflowId: childId } });
    return false;
  }
}
