// Hands an event to Temporal: one run per matching flow, with an id derived from the flow and
// the event's idempotency key, so a retried start (or a duplicate) finds the run already started.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Logger } from 'pino';
import { FLOW_WORKFLOW_TYPE, type FlowRunInput, runSearchAttributes } from '../../engine/contract';
import { startFailure } from './start-errors';
import { runPriorityOf } from '../../engine/priority';
import type { FlowEvent } from '../../engine/types';
import { type PlannedRun, type RunStart, type RunStarter, runEvent } from './planned-runs';
import { signalRun } from './signal-runs';
import { currentTraceId } from '../../lib/tracing';

/** `deadlineMs` bounds one start call, so a request never waits long on a Temporal that is down. */
export function createRunStarter(client: Client, taskQueue: string, log: Logger, deadlineMs = 5000): RunStarter {
  let answered = false;
  const namespaceAnswered = () => answered;
  return async (runs, event, eventLog) => {
    const started = await Promise.all(runs.map((run) => (run.route ? signalRun(client, { taskQueue, log: eventLog ?? log, deadlineMs, namespaceAnswered }, run, runEvent(run, event)) : startOne(run, runEvent(run, event), eventLog ?? log))));
    answered = true;
    return started;
  };

  async function startOne({ flow, workflowId, replayOf, replayId }: PlannedRun, event: FlowEvent, log: Logger): Promise<RunStart> {
    // A replay's steps keep the original's idempotency keys: what it applied is not applied again.
    const input: FlowRunInput = { flow, event, ...(replayOf && { effectKeysOf: replayOf }) };
    const priority = await runPriorityOf(flow, event);
    const traceId = currentTraceId(); // the request's (or the relay's) trace, for on-call reading the run
    try {
      const handle = await client.connection.withDeadline(Date.now() + deadlineMs, () =>
        client.workflow.start(FLOW_WORKFLOW_TYPE, {
          taskQueue,
          workflowId,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: `${flow.name} ← ${event.type} ${event.id} (${event.source})`,
          memo: { event: { id: event.id, type: event.type, source: event.source, receivedAt: event.receivedAt }, flowVersion: flow.version, ...(replayOf && { replayOf }), ...(replayId && { replayId }), ...(traceId && { traceId }) },
          typedSearchAttributes: runSearchAttributes(flow, event),
          ...(priority && { priority }),
        }),
      );
      log.info({ workflowId, runId: handle.firstExecutionRunId, flow: flow.name }, 'run started');
      return { flow: flow.name, workflowId, runId: handle.firstExecutionRunId, duplicate: false };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        log.info({ workflowId, flow: flow.name }, 'run was already started');
        return { flow: flow.name, workflowId, duplicate: true };
      }
      throw startFailure(err, log, 'start', workflowId, answered);
    }
  }
}
