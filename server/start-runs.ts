// Hands an event to Temporal: one run per matching flow, with an id derived from the flow and
// the event's idempotency key, so a duplicate delivery finds the run it already started.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Logger } from 'pino';
import { FLOW_WORKFLOW_TYPE, type FlowRunInput, searchAttributes } from '../lib/contract';
import { UnavailableError } from '../lib/errors';
import { evaluateExpression, unwrapExpression } from '../lib/flow/expressions';
import type { FlowDefinition, FlowEvent } from '../lib/flow/types';

export interface RunStart {
  flow: string;
  workflowId: string;
  runId?: string;
  duplicate: boolean;
}

export type RunStarter = (flows: FlowDefinition[], event: FlowEvent) => Promise<RunStart[]>;

const START_DEADLINE_MS = 5000;

export async function idempotencyKey(flow: FlowDefinition, event: FlowEvent): Promise<string> {
  if (!flow.trigger.idempotencyKey) return event.id;
  const value = await evaluateExpression(unwrapExpression(flow.trigger.idempotencyKey), { event });
  if (value === undefined || value === null || value === '') throw new Error(`idempotency key of flow ${flow.name} is empty for event ${event.id}`);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function workflowIdFor(flow: FlowDefinition, source: string, key: string): string {
  return `${flow.name}:${source}:${key}`;
}

export function createRunStarter(client: Client, taskQueue: string, log: Logger): RunStarter {
  return async (flows, event) => Promise.all(flows.map((flow) => startOne(flow, event)));

  async function startOne(flow: FlowDefinition, event: FlowEvent): Promise<RunStart> {
    const workflowId = workflowIdFor(flow, event.source, await idempotencyKey(flow, event));
    const input: FlowRunInput = { flow, event };
    try {
      const handle = await client.connection.withDeadline(Date.now() + START_DEADLINE_MS, () =>
        client.workflow.start(FLOW_WORKFLOW_TYPE, {
          taskQueue,
          workflowId,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: `${flow.name} ← ${event.type} ${event.id} (${event.source})`,
          memo: { event: { id: event.id, type: event.type, source: event.source, receivedAt: event.receivedAt }, flowVersion: flow.version },
          typedSearchAttributes: [
            { key: searchAttributes.flow, value: flow.name },
            { key: searchAttributes.flowVersion, value: flow.version },
            { key: searchAttributes.source, value: event.source },
            { key: searchAttributes.eventType, value: event.type },
            { key: searchAttributes.eventId, value: event.id },
          ],
        }),
      );
      log.info({ workflowId, runId: handle.firstExecutionRunId, flow: flow.name }, 'run started');
      return { flow: flow.name, workflowId, runId: handle.firstExecutionRunId, duplicate: false };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        log.info({ workflowId, flow: flow.name }, 'duplicate delivery: run already started');
        return { flow: flow.name, workflowId, duplicate: true };
      }
      log.error({ err, workflowId }, 'could not start run');
      throw new UnavailableError('the workflow engine cannot accept the event right now; retry later');
    }
  }
}
