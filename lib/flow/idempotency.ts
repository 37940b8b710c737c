// The run's identity: the idempotency key (trigger.idempotencyKey over the event, default the
// provider's event id) and the workflow id built from it. Pure: shared by ingress and CLI.
import { evaluateExpression, unwrapExpression } from './expressions';
import type { FlowDefinition, FlowEvent } from './types';

export async function idempotencyKeyOf(flow: FlowDefinition, event: FlowEvent): Promise<string> {
  if (!flow.trigger.idempotencyKey) return event.id;
  const value = await evaluateExpression(unwrapExpression(flow.trigger.idempotencyKey), { event });
  if (value === undefined || value === null || value === '') throw new Error(`idempotency key of flow ${flow.name} is empty for event ${event.id}`);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function workflowIdOf(flow: FlowDefinition, source: string, key: string): string {
  return `${flow.name}:${source}:${key}`;
}
