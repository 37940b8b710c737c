// Which flows an event starts: same source, one of the trigger's event types (or patterns), a
// version the flow takes, and the trigger's filter (a JSONata condition over `event`, as the flow
// receives it: upcast to its version) true. Correlated flows also take their wait steps' event
// types (callbacks), filtered the same way. Each matching flow gets its own run. Pure.
// A filter that fails to evaluate throws (ExpressionError): the event is refused, not dropped.
import { evaluateCondition } from './expressions';
import { eventForFlow, takesVersion } from './event-versions';
import { flowTakesEventType } from './routing';
import type { FlowDefinition, FlowEvent } from './types';

export async function selectFlows(flows: FlowDefinition[], event: Pick<FlowEvent, 'source' | 'type'> & Partial<FlowEvent>): Promise<FlowDefinition[]> {
  const candidates = flows.filter((f) => f.trigger.source === event.source && flowTakesEventType(f, event.type) && takesVersion(f, event));
  const matches = await Promise.all(candidates.map(async (f) => (f.trigger.filter ? evaluateCondition(f.trigger.filter, { event: await eventForFlow(f, event) }) : true)));
  return candidates.filter((_, i) => matches[i]);
}
