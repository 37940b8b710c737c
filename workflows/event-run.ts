// One event's flow run started as a child by a queue workflow (entity queue, gate, collector): its
// own workflow id, a summary and memo that tell in the UI which event it runs and why it waited,
// the event's search attributes. It outlives its parent, and an id that already ran is refused
// (a duplicate delivery gets one run).
import { ParentClosePolicy, log, upsertMemo, type ChildWorkflowOptions } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { runSearchAttributes, type FlowRunInput } from '../engine/contract';
import type { FlowDefinition, FlowEvent } from '../engine/types';

export interface EventRun {
  flow: FlowDefinition;
  event: FlowEvent;
  workflowId: string;
  /** Ends the summary: how the run came about (the entity, the gate, the batch). */
  why: string;
  /** Memo entries after the event and flow version. */
  memo?: Record<string, unknown>;
  /** Entity queues: the key, as a search attribute. */
  entityKey?: string;
  /** Batches: all events of the run. */
  events?: FlowEvent[];
}

/** The child options of an event's run (for startChild or executeChild of FLOW_WORKFLOW_TYPE). */
export function eventRunOptions({ flow, event, workflowId, why, memo, entityKey, events }: EventRun): ChildWorkflowOptions & { args: [FlowRunInput] } {
  return {
    workflowId,
    args: [{ flow, event, ...(events && { events }) } satisfies FlowRunInput],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    parentClosePolicy: ParentClosePolicy.ABANDON,
    staticSummary: `${flow.name} ← ${event.type} ${event.id} (${event.source}), ${why}`,
    memo: { event: { id: event.id, type: event.type, source: event.source, receivedAt: event.receivedAt }, flowVersion: flow.version, ...memo },
    typedSearchAttributes: runSearchAttributes(flow, event, entityKey),
  };
}

/** True, and logged, when the run was refused because its workflow id already ran. */
export function alreadyRan(err: unknown, eventId: string, workflowId: string): boolean {
  if (!(err instanceof WorkflowExecutionAlreadyStartedError)) return false;
  log.info('event already had its run', { eventId, workflowId });
  return true;
}

/** A run that failed visibly on its own (its onFailure ran): logged, and named in the waiting workflow's memo. */
export function noteFailedRun(err: unknown, eventId: string, workflowId: string, goesOn: string): void {
  log.warn(`event run failed; ${goesOn}`, { eventId, workflowId, message: (err as Error).message });
  upsertMemo({ lastFailedEvent: { id: eventId, workflowId } });
}
