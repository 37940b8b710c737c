// The run's identity: the idempotency key (trigger.idempotencyKey over the event, default the
// provider's event id) and the workflow id built from it. Pure: shared by ingress and CLI.
import { evaluateExpression, unwrapExpression } from './expressions';
import type { FlowDefinition, FlowEvent } from './types';

export async function idempotencyKeyOf(flow: FlowDefinition, event: FlowEvent): Promise<string> {
  if (!flow.trigger.idempotencyKey) return event.id;
  return eventKeyOf(flow.trigger.idempotencyKey, event, 'idempotency key', flow.name);
}

/** A key expression over the event (idempotency, correlation, entity key); empty is an error. */
export async function eventKeyOf(expression: string, event: FlowEvent, what: string, flow: string): Promise<string> {
  const value = await evaluateExpression(unwrapExpression(expression), { event });
  if (value === undefined || value === null || value === '') throw new Error(`${what} of flow ${flow} is empty for event ${event.id}`);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function workflowIdOf(flow: FlowDefinition, source: string, key: string): string {
  return `${flow.name}:${source}:${key}`;
}
