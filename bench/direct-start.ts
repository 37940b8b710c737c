// The limit the ingress is measured against: client.workflow.start called directly, with the
// same workflow type, id scheme, input size, memo and search attributes as the ingress uses,
// minus HTTP, signature check, schema validation and flow selection.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { parse } from 'yaml';
import { FLOW_WORKFLOW_TYPE, searchAttributes } from '../engine/contract';
import { paymentEvent } from './events';

export const ROOT = join(__dirname, '..');
const FLOW_FILE = join(ROOT, 'flows', 'payment-succeeded.yaml');

/** A sender for runLanes that starts the payment flow's run for event `index` directly. */
export function directStartSender(client: Client, taskQueue: string, runTag: string) {
  // The parsed flow file travels in the input, as the ingress's does (same payload size).
  const flow = { ...(parse(readFileSync(FLOW_FILE, 'utf8')) as Record<string, unknown>), version: 'bench' };
  return async (index: number): Promise<string> => {
    const body = paymentEvent(runTag, index);
    const event = { id: body.id, type: body.type, source: 'payments', receivedAt: new Date().toISOString(), body };
    try {
      await client.workflow.start(FLOW_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: `payment-succeeded:payments:${event.id}`,
        args: [{ flow, event }],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `payment-succeeded ← ${event.type} ${event.id} (payments)`,
        memo: { event: { id: event.id, type: event.type, source: event.source, receivedAt: event.receivedAt }, flowVersion: 'bench' },
        typedSearchAttributes: [
          { key: searchAttributes.flow, value: 'payment-succeeded' },
          { key: searchAttributes.flowVersion, value: 'bench' },
          { key: searchAttributes.source, value: 'payments' },
          { key: searchAttributes.eventType, value: event.type },
          { key: searchAttributes.eventId, value: event.id },
        ],
      });
      return 'started';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'duplicate';
      throw err;
    }
  };
}
