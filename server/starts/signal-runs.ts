// Hands an event of a correlated, entity-keyed or gated flow to the run that owns its key, by
// signal-with-start: the run is started if it is not running yet, so an event that comes before
// the one that would start it (a callback before its payment.created) is buffered, not lost.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Logger } from 'pino';
import {
  CORRELATED_WORKFLOW_TYPE, ENTITY_WORKFLOW_TYPE, EVENT_SIGNAL, searchAttributes,
  type CorrelatedDelivery, type CorrelatedRunInput, type EntityRunInput, type EventDelivery,
} from '../../engine/contract';
import { COLLECT_WORKFLOW_TYPE, type CollectRunInput } from '../../engine/collect-contract';
import { GATED_WORKFLOW_TYPE, type GateRunInput } from '../../engine/controls';
import { UnavailableError } from '../../lib/errors';
import { permanentStartError } from './start-errors';
import { runPriorityOf } from '../../engine/priority';
import type { FlowEvent } from '../../engine/types';
import type { RunRoute } from '../../engine/routing';
import type { PlannedRun, RunStart } from './planned-runs';

export interface SignalOptions { taskQueue: string; log: Logger; deadlineMs: number }

export async function signalRun(client: Client, o: SignalOptions, run: PlannedRun, event: FlowEvent): Promise<RunStart> {
  const { flow, workflowId } = run;
  const route = run.route as RunRoute;
  const correlated = route.kind === 'correlated';
  // Debounce and batch: a collector per key (workflows/collect.ts) holds the event.
  const collecting = route.kind === 'debounce' || route.kind === 'batch' ? route.kind : undefined;
  // A correlated run has its definition in its input: its signals carry the event only.
  const delivery: EventDelivery | CorrelatedDelivery = correlated ? { event } : { event, flow, ...(route.eventWorkflowId && { workflowId: route.eventWorkflowId }) };
  const keyInput = { flow: flow.name, source: event.source, key: route.key };
  const start = correlated
    ? { type: CORRELATED_WORKFLOW_TYPE, args: [{ flow, source: event.source, key: route.key } satisfies CorrelatedRunInput] }
    : collecting
      ? { type: COLLECT_WORKFLOW_TYPE, args: [{ ...keyInput, control: collecting } satisfies CollectRunInput] }
      : route.kind === 'gated'
        ? { type: GATED_WORKFLOW_TYPE, args: [keyInput satisfies GateRunInput] }
        : { type: ENTITY_WORKFLOW_TYPE, args: [keyInput satisfies EntityRunInput] };
  const keyName = correlated ? 'correlationKey' : collecting ? `${collecting}Key` : route.kind === 'gated' ? 'gateKey' : 'entityKey';
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
        staticSummary: route.kind === 'gated'
          ? `${flow.name}: gate ${route.key ? `for key ${route.key}` : 'of the flow'} (${event.source})`
          : `${flow.name} for ${correlated ? 'correlation' : collecting ?? 'entity'} key ${route.key} (${event.source})`,
        memo: { flowVersion: flow.version, [keyName]: route.key, ...(run.replayOf && { replayOf: run.replayOf }) },
        typedSearchAttributes: [
          { key: searchAttributes.flow, value: flow.name },
          { key: searchAttributes.flowVersion, value: flow.version },
          { key: searchAttributes.source, value: event.source },
          ...(collecting
            // Why it waits, in the Temporal UI's list.
            ? [{ key: searchAttributes.outcome, value: collecting === 'debounce' ? 'debouncing' : 'batching' }]
            : route.kind === 'gated' ? [] : [{ key: correlated ? searchAttributes.correlationKey : searchAttributes.entityKey, value: route.key }]),
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
    const refused = permanentStartError(err);
    if (refused) {
      o.log.error({ reason: refused.reason, err: (err as Error).message, workflowId }, 'could not signal run: Temporal refused it for good');
      throw refused;
    }
    o.log.warn({ err: (err as Error).message, cause: ((err as Error).cause as Error | undefined)?.message, workflowId }, 'could not signal run');
    throw new UnavailableError('the workflow engine cannot accept the event right now; retry later');
  }
}
