// Which flows an event starts: same source, one of the trigger's event types. Pure.
import type { FlowDefinition, FlowEvent } from './types';

export async function selectFlows(flows: FlowDefinition[], event: Pick<FlowEvent, 'source' | 'type'> & Partial<FlowEvent>): Promise<FlowDefinition[]> {
  return flows.filter((f) => f.trigger.source === event.source && f.trigger.events.includes(event.type));
}
