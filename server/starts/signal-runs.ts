// Hands an event of a correlated, entity-keyed or gated flow to the run that owns its key, by
// signal-with-start: the run is started if it is not running yet, so an event that comes before
// the one that would start it (a callback before its payment.created) is buffered, not lost.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { Logger } from 'pino';
import {
  CORRELATED_WORKFLOW_TYPE, ENTITY_WORKFLOW_TYPE, EVENT_SIGNAL, searchAttributes,
  type CorrelatedDelivery, type CorrelatedRunInput, type EntityRunInput, type EventDelivery,
} from '../../engine/contract';
import { COLLECT_WORKFLOW_TYPE, type CollectRunInput } from '../../engine/collect-contract';
import { GATED_WORKFLOW_TYPE, type GateRunInput } from '../../engine/controls';
import { startFailure } from './start-errors';
import { runPriorityOf } from '../../engine/priority';
import type { FlowDefinition, FlowEvent } from '../../engine/types';
import type { RunRoute } from '../../engine/routing';
import type { PlannedRun, RunStart } from './planned-runs';

export interface SignalOptions { taskQueue: string; log: Logger; deadlineMs: number }

/** How the run that owns a key is started and shown, for each kind of route. */
interface KeyedRun {
  /** The workflow type and its input. */
  start(flow: FlowDefinition, source: string, key: string): { type: string; args: unknown[] };
  /** The memo field that holds the key. */
  keyName: string;
  /** The run's summary in the Temporal UI. */
  summary(flowName: string, key: string, source: string): string;
  /** Its search attributes besides flow, version and source. */
  searchAttributes(key: string): SearchAttributePair[];
}

const keyInput = (flow: FlowDefinition, source: string, key: string) => ({ flow: flow.name, source, key });
const keySummary = (kind: string) => (flowName: string, key: string, source: string) => `${flowName} for ${kind} key ${key} (${source})`;
// Debounce and batch: a collector per key (workflows/collect.ts) holds the event; the outcome
// attribute says why it waits, in the Temporal UI's list.
const collecting = (control: 'debounce' | 'batch', outcome: string): KeyedRun => ({
  start: (flow, source, key) => ({ type: COLLECT_WORKFLOW_TYPE, args: [{ ...keyInput(flow, source, key), control } satisfies CollectRunInput] }),
  keyName: `${control}Key`,
  summary: keySummary(control),
  searchAttributes: () => [{ key: searchAttributes.outcome, value: outcome }],
});

const KEYED_RUNS: Record<RunRoute['kind'], KeyedRun> = {
  // A correlated run has its definition in its input.
  correlated: {
    start: (flow, source, key) => ({ type: CORRELATED_WORKFLOW_TYPE, args: [{ flow, source, key } satisfies CorrelatedRunInput] }),
    keyName: 'correlationKey',
    summary: keySummary('correlation'),
    searchAttributes: (key) => [{ key: searchAttributes.correlationKey, value: key }],
  },
  entity: {
    start: (flow, source, key) => ({ type: ENTITY_WORKFLOW_TYPE, args: [keyInput(flow, source, key) satisfies EntityRunInput] }),
    keyName: 'entityKey',
    summary: keySummary('entity'),
    searchAttributes: (key) => [{ key: searchAttributes.entityKey, value: key }],
  },
  gated: {
    start: (flow, source, key) => ({ type: GATED_WORKFLOW_TYPE, args: [keyInput(flow, source, key) satisfies GateRunInput] }),
    keyName: 'gateKey',
    summary: (flowName, key, source) => `${flowName}: gate ${key ? `for key ${key}` : 'of the flow'} (${source})`,
    searchAttributes: () => [],
  },
  debounce: collecting('debounce', 'debouncing'),
  batch: collecting('batch', 'batching'),
};

export async function signalRun(client: Client, o: SignalOptions, run: PlannedRun, event: FlowEvent): Promise<RunStart> {
  const { flow, workflowId } = run;
  const route = run.route as RunRoute;
  const keyed = KEYED_RUNS[route.kind];
  const correlated = route.kind === 'correlated';
  // A correlated run has its definition in its input: its signals carry the event only.
  const delivery: EventDelivery | CorrelatedDelivery = correlated ? { event } : { event, flow, ...(route.eventWorkflowId && { workflowId: route.eventWorkflowId }) };
  const start = keyed.start(flow, event.source, route.key);
  // The event that starts the run of a key sets its priority; later events of the key share that run.
  const priority = await runPriorityOf(flow, event);
  try {
    const handle = await client.connection.withDeadline(Date.now() + o.deadlineMs, () =>
      client.workflow.signalWithStart(start.type, {
        taskQueue: o.taskQueue,
        workflowId,
        args: start.args,
        signal: EVENT_SIGNAL,
        signalArgs: [delivery],
        // A correlated run settles its key once: a callback after it finished must not start a new run;
        // only a replay (server/admin/replay.ts) runs a key again, and only after its run failed.
        // An entity queue or a gate ends when it is empty; the next event for its key starts it again.
        workflowIdReusePolicy: correlated ? (run.replayOf ? 'ALLOW_DUPLICATE_FAILED_ONLY' : 'REJECT_DUPLICATE') : 'ALLOW_DUPLICATE',
        staticSummary: keyed.summary(flow.name, route.key, event.source),
        memo: { flowVersion: flow.version, [keyed.keyName]: route.key, ...(run.replayOf && { replayOf: run.replayOf }) },
        typedSearchAttributes: [
          { key: searchAttributes.flow, value: flow.name },
          { key: searchAttributes.flowVersion, value: flow.version },
          { key: searchAttributes.source, value: event.source },
          ...keyed.searchAttributes(route.key),
        ],
        ...(priority && { priority }),
      }),
    );
    o.log.info({ workflowId, runId: handle.signaledRunId, flow: flow.name, eventId: event.id }, 'event signalled to its run');
    return { flow: flow.name, workflowId, runId: handle.signaledRunId, duplicate: false, route };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const ignored = `the run for correlation key ${route.key} has already finished: this ${event.type} changes nothing`;
      o.log.info({ workflowId, flow: flow.name, eventId: event.id }, ignored);
      return { flow: flow.name, workflowId, duplicate: false, route, ignored };
    }
    throw startFailure(err, o.log, 'signal', workflowId);
  }
}
