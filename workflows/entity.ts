// An entity-keyed flow's queue: one workflow per entity key (e.g. order id), fed by
// signal-with-start. It runs the flow for each event as a child run (its own workflow id, steps
// and status in the UI), one at a time in arrival order; different entities have different
// queues and run in parallel. It ends when the queue is empty (the next event starts it again)
// and continues as new after a bounded number of events, so its history stays small.
// What continue-as-new carries is bounded too (hookflow-entity-refs): each flow definition once,
// referenced by version from the waiting events, and only once the backlog fits in
// maxCarriedBytes; a bigger backlog is drained first.
// Deterministic: only @temporalio/workflow, pure flow helpers and types.
import {
  ParentClosePolicy, allHandlersFinished, condition, continueAsNew, defineSignal,
  executeChild, log, patched, setHandler, upsertMemo, workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  EVENT_SIGNAL, FLOW_WORKFLOW_TYPE, runSearchAttributes,
  type EntityRunInput, type EventDelivery, type FlowRunInput, type QueuedEvent,
} from '../engine/contract';
import type { FlowDefinition } from '../engine/types';

const entitySignal = defineSignal<[EventDelivery]>(EVENT_SIGNAL);
const DEFAULT_MAX_EVENTS = 200;
const DEFAULT_MAX_CARRIED_BYTES = 512 * 1024;
/** Event ids remembered across continue-as-new to drop duplicate signals (the delivery store is the main guard). */
const SEEN_KEPT = 500;
/** Continue-as-new carries definitions by reference and waits until the backlog fits (see above). */
export const ENTITY_REFS_PATCH = 'hookflow-entity-refs';

export interface EntityRunResult { processed: number; failed: string[] }

/** A waiting event and its size as carried (JSON characters of the event), summed without re-serialising. */
interface Waiting { delivery: EventDelivery; bytes: number }

export async function runEntityFlow(input: EntityRunInput): Promise<EntityRunResult> {
  const known = input.flows ?? {};
  const waiting = (delivery: EventDelivery): Waiting => ({ delivery, bytes: JSON.stringify(delivery.event).length + 100 });
  const queue: Waiting[] = (input.queue ?? []).map((item) => waiting(delivered(item, known)));
  let backlogBytes = queue.reduce((sum, w) => sum + w.bytes, 0);
  const seen = new Set(input.seen ?? []);
  const failed: string[] = [];
  setHandler(entitySignal, (delivery) => {
    if (seen.has(delivery.event.id)) {
      log.info('duplicate event dropped', { eventId: delivery.event.id });
      return;
    }
    seen.add(delivery.event.id);
    const w = waiting(delivery);
    queue.push(w);
    backlogBytes += w.bytes;
  });

  let processed = 0;
  while (queue.length) {
    if (processed >= (input.maxEventsPerRun ?? DEFAULT_MAX_EVENTS) || workflowInfo().continueAsNewSuggested) {
      if (!patched(ENTITY_REFS_PATCH)) {
        await condition(allHandlersFinished);
        return continueAsNew<typeof runEntityFlow>({ ...input, queue: queue.map((w) => w.delivery), seen: [...seen].slice(-SEEN_KEPT) });
      }
      if (backlogBytes <= (input.maxCarriedBytes ?? DEFAULT_MAX_CARRIED_BYTES)) {
        await condition(allHandlersFinished);
        return continueAsNew<typeof runEntityFlow>({ ...carried(input, queue.map((w) => w.delivery)), seen: [...seen].slice(-SEEN_KEPT) });
      }
      // Too much to carry: run the next event here, and look again after it.
    }
    const { delivery, bytes } = queue.shift()!;
    backlogBytes -= bytes;
    if (!(await runOne(input, delivery))) failed.push(delivery.event.id);
    processed++;
  }
  return { processed, failed };
}

/** A carried item of either shape as the delivery it was signalled as. */
function delivered(item: EventDelivery | QueuedEvent, flows: Record<string, FlowDefinition>): EventDelivery {
  if ('flow' in item) return item;
  const flow = flows[item.flowVersion];
  if (!flow) throw new Error(`entity queue input has no definition for flow version ${item.flowVersion}`);
  return { event: item.event, flow, ...(item.workflowId && { workflowId: item.workflowId }) };
}

/** The input of the next run: each definition once, the waiting events by reference to it. */
function carried(input: EntityRunInput, deliveries: EventDelivery[]): EntityRunInput {
  const flows: Record<string, FlowDefinition> = {};
  const queue = deliveries.map(({ event, flow, workflowId }): QueuedEvent => {
    flows[flow.version] = flow;
    return { event, flowVersion: flow.version, ...(workflowId && { workflowId }) };
  });
  return { ...input, queue, flows };
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
