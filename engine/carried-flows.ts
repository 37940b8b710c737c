// Continue-as-new carries each flow definition once, by version, and the waiting events by
// reference to it: a backlog of one flow would otherwise carry its definition once per event.
import type { EventDelivery, QueuedEvent } from './contract';
import type { FlowDefinition } from './types';

/** The waiting events by reference, and each of their definitions once. */
export function byReference(deliveries: EventDelivery[]): { queue: QueuedEvent[]; flows: Record<string, FlowDefinition> } {
  const flows: Record<string, FlowDefinition> = {};
  const queue = deliveries.map(({ event, flow, workflowId }): QueuedEvent => {
    flows[flow.version] = flow;
    return { event, flowVersion: flow.version, ...(workflowId && { workflowId }) };
  });
  return { queue, flows };
}

/** A carried event as the delivery it was signalled as; `input` names the input in the error. */
export function fromReference(item: QueuedEvent, flows: Record<string, FlowDefinition>, input: string): EventDelivery {
  const flow = flows[item.flowVersion];
  if (!flow) throw new Error(`${input} has no definition for flow version ${item.flowVersion}`);
  return { event: item.event, flow, ...(item.workflowId && { workflowId: item.workflowId }) };
}

/** Of all definitions known, the ones the given events run with. */
export function definitionsOf(events: { flowVersion: string }[], all: Record<string, FlowDefinition>): Record<string, FlowDefinition> {
  const flows: Record<string, FlowDefinition> = {};
  for (const e of events) flows[e.flowVersion] = all[e.flowVersion];
  return flows;
}
