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
  allHandlersFinished, condition, continueAsNew, defineSignal, executeChild, patched, setHandler, workflowInfo,
} from '@temporalio/workflow';
import { Backlog } from '../engine/backlog';
import { byReference, fromReference } from '../engine/carried-flows';
import {
  EVENT_SIGNAL, FLOW_WORKFLOW_TYPE, type EntityRunInput, type EventDelivery, type QueuedEvent,
} from '../engine/contract';
import type { FlowDefinition } from '../engine/types';
import { alreadyRan, eventRunOptions, noteFailedRun } from './event-run';
import { SeenEvents } from './seen-events';

const entitySignal = defineSignal<[EventDelivery]>(EVENT_SIGNAL);
const DEFAULT_MAX_EVENTS = 200;
const DEFAULT_MAX_CARRIED_BYTES = 512 * 1024;
/** Event ids carried across continue-as-new to drop duplicate signals. */
const SEEN_KEPT = 500;
/** Continue-as-new carries definitions by reference and waits until the backlog fits (see above). */
export const ENTITY_REFS_PATCH = 'hookflow-entity-refs';

export interface EntityRunResult { processed: number; failed: string[] }

export async function runEntityFlow(input: EntityRunInput): Promise<EntityRunResult> {
  const known = input.flows ?? {};
  const queue = new Backlog((input.queue ?? []).map((item) => delivered(item, known)));
  const seen = new SeenEvents(input.seen, SEEN_KEPT);
  const failed: string[] = [];
  setHandler(entitySignal, (delivery) => {
    if (seen.firstTime(delivery.event.id)) queue.push(delivery);
  });

  let processed = 0;
  while (queue.length) {
    if (processed >= (input.maxEventsPerRun ?? DEFAULT_MAX_EVENTS) || workflowInfo().continueAsNewSuggested) {
      if (!patched(ENTITY_REFS_PATCH)) {
        await condition(allHandlersFinished);
        return continueAsNew<typeof runEntityFlow>({ ...input, queue: queue.deliveries(), seen: seen.carried() });
      }
      if (queue.bytes <= (input.maxCarriedBytes ?? DEFAULT_MAX_CARRIED_BYTES)) {
        await condition(allHandlersFinished);
        return continueAsNew<typeof runEntityFlow>({ ...input, ...byReference(queue.deliveries()), seen: seen.carried() });
      }
      // Too much to carry: run the next event here, and look again after it.
    }
    const delivery = queue.shift();
    if (!(await runOne(input, delivery))) failed.push(delivery.event.id);
    processed++;
  }
  return { processed, failed };
}

/** A carried item of either shape as the delivery it was signalled as. */
function delivered(item: EventDelivery | QueuedEvent, flows: Record<string, FlowDefinition>): EventDelivery {
  return 'flow' in item ? item : fromReference(item, flows, 'entity queue input');
}

/** Runs one event's flow as a child and waits for it; a failed event is recorded, the queue goes on. */
async function runOne(input: EntityRunInput, { event, flow, workflowId }: EventDelivery): Promise<boolean> {
  const childId = workflowId ?? `${workflowInfo().workflowId}:${event.id}`;
  try {
    await executeChild(FLOW_WORKFLOW_TYPE, eventRunOptions({ flow, event, workflowId: childId, why: `entity ${input.key}`, entityKey: input.key }));
    return true;
  } catch (err) {
    if (alreadyRan(err, event.id, childId)) return true;
    noteFailedRun(err, event.id, childId, 'continuing with the next event');
    return false;
  }
}
