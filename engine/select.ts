// Which flows an event starts: same source, one of the trigger's event types, and the trigger's
// filter (a JSONata condition over `event`) true. Correlated flows also take their wait steps' event
// types (callbacks), filtered the same way. Each matching flow gets its own run. Pure.
// A filter that fails to evaluate throws (ExpressionError): the event is refused, not dropped.
import { evaluateCondition } from './expressions';
import { flowEventTypes } from './routing';
import type { FlowDefinition, FlowEvent } from './types';

export async function selectFlows(flows: FlowDefinition[], event: Pick<FlowEvent, 'source' | 'type'> & Partial<FlowEvent>): Promise<FlowDefinition[]> {
  const candidates = flows.filter((f) => f.trigger.source === event.source && flowEventTypes(f).includes(event.type));
  const matches = await Promise.all(candidates.map((f) => (f.trigger.filter ? evaluateCondition(f.trigger.filter, { event }) : true)));
  return candidates.filter((_, i) => matches[i]);
}
