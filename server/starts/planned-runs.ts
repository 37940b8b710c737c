// The runs an event makes, before Temporal is asked: one per matching flow, each with its
// deterministic workflow id (or the key of the correlated or entity run it is signalled to).
import type { Logger } from 'pino';
import { idempotencyKeyOf, workflowIdOf } from '../../engine/idempotency';
import { eventForFlow } from '../../engine/event-versions';
import { type RunRoute, routeOf } from '../../engine/routing';
import type { FlowDefinition, FlowEvent } from '../../engine/types';

/** A run to start: the flow and its deterministic workflow id. */
export interface PlannedRun {
  flow: FlowDefinition;
  workflowId: string;
  /** A replay: the workflow id of the run this one repeats (kept in the memo as replayOf). */
  replayOf?: string;
  /** A replay: the id of its record on the delivery (kept in the memo, so a retried replay knows its own runs). */
  replayId?: string;
  /** Correlated and entity-keyed flows: signalled (with start) to the run of this key. */
  route?: RunRoute;
  /** The event as this flow receives it, when not as sent: upcast to the version the flow is written for. */
  event?: FlowEvent;
}

export interface RunStart {
  flow: string;
  workflowId: string;
  runId?: string;
  /** The workflow id was already taken: the run had been started before. */
  duplicate: boolean;
  route?: RunRoute;
  /** Why the event changed nothing (a callback for a correlated run that has already finished). */
  ignored?: string;
}

/** `log`, when given, is the event's logger (request and delivery ids); the starter's own otherwise. */
export type RunStarter = (runs: PlannedRun[], event: FlowEvent, log?: Logger) => Promise<RunStart[]>;

export async function planRuns(flows: FlowDefinition[], sent: FlowEvent): Promise<PlannedRun[]> {
  return Promise.all(flows.map(async (flow): Promise<PlannedRun> => {
    // Keys are expressions of the flow, written for the version it takes: read on the upcast event.
    const event = await eventForFlow(flow, sent);
    const own = event === sent ? {} : { event };
    const routed = await routeOf(flow, event, () => idempotencyKeyOf(flow, event));
    return routed ? { flow, ...routed, ...own } : { flow, workflowId: workflowIdOf(flow, event.source, await idempotencyKeyOf(flow, event)), ...own };
  }));
}

/** The event a planned run starts with: its own (upcast) one, or the event as sent. */
export const runEvent = (run: PlannedRun, sent: FlowEvent): FlowEvent => run.event ?? sent;
