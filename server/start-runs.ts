// Hands an event to Temporal: one run per matching flow, with an id derived from the flow and
// the event's idempotency key, so a retried start (or a duplicate) finds the run already started.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Logger } from 'pino';
import { FLOW_WORKFLOW_TYPE, type FlowRunInput, runSearchAttributes } from '../lib/contract';
import { UnavailableError } from '../lib/errors';
import { idempotencyKeyOf, workflowIdOf } from '../lib/flow/idempotency';
import { type RunRoute, routeOf } from '../lib/flow/routing';
import type { FlowDefinition, FlowEvent } from '../lib/flow/types';
import type { RecordedRun } from '../lib/deliveries/record';
import { signalRun } from './signal-runs';

/** A run to start: the flow and its deterministic workflow id. */
export interface PlannedRun {
  flow: FlowDefinition;
  workflowId: string;
  /** A replay: the workflow id of the run this one repeats (kept in the memo as replayOf). */
  replayOf?: string;
  /** Correlated and entity-keyed flows: signalled (with start) to the run of this key. */
  route?: RunRoute;
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

export async function planRuns(flows: FlowDefinition[], event: FlowEvent): Promise<PlannedRun[]> {
  return Promise.all(flows.map(async (flow): Promise<PlannedRun> => {
    const routed = await routeOf(flow, event, () => idempotencyKeyOf(flow, event));
    return routed ? { flow, ...routed } : { flow, workflowId: workflowIdOf(flow, event.source, await idempotencyKeyOf(flow, event)) };
  }));
}

/** What the delivery record keeps of a started (or signalled) run. */
export function recordedRun({ flow, workflowId, runId, route, ignored }: RunStart): RecordedRun {
  return { flow, workflowId, runId, ...(route && { route }), ...(ignored && { ignored }) };
}

/** `deadlineMs` bounds one start call, so a request never waits long on a Temporal that is down. */
export function createRunStarter(client: Client, taskQueue: string, log: Logger, deadlineMs = 5000): RunStarter {
  return async (runs, event, eventLog) =>
    Promise.all(runs.map((run) => (run.route ? signalRun(client, { taskQueue, log: eventLog ?? log, deadlineMs }, run, event) : startOne(run, event, eventLog ?? log))));

  async function startOne({ flow, workflowId, replayOf }: PlannedRun, event: FlowEvent, log: Logger): Promise<RunStart> {
    const input: FlowRunInput = { flow, event };
    try {
      const handle = await client.connection.withDeadline(Date.now() + deadlineMs, () =>
        client.workflow.start(FLOW_WORKFLOW_TYPE, {
          taskQueue,
          workflowId,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: `${flow.name} ← ${event.type} ${event.id} (${event.source})`,
          memo: { event: { id: event.id, type: event.type, source: event.source, receivedAt: event.receivedAt }, flowVersion: flow.version, ...(replayOf && { replayOf }) },
          typedSearchAttributes: runSearchAttributes(flow, event),
        }),
      );
      log.info({ workflowId, runId: handle.firstExecutionRunId, flow: flow.name }, 'run started');
      return { flow: flow.name, workflowId, runId: handle.firstExecutionRunId, duplicate: false };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        log.info({ workflowId, flow: flow.name }, 'run was already started');
        return { flow: flow.name, workflowId, duplicate: true };
      }
      log.warn({ err: (err as Error).message, cause: ((err as Error).cause as Error | undefined)?.message, workflowId }, 'could not start run');
      throw new UnavailableError('the workflow engine cannot accept the event right now; retry later');
    }
  }
}
