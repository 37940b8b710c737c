// Where an event goes for correlated and entity-keyed flows: the key an event carries (an
// expression over it) and the deterministic workflow id of the run that owns that key. Pure:
// shared by the ingress, the relay and the CLI.
import { ALL_KEYS, type CollectControl } from './collect-contract';
import { gateKeyExpression, gateWorkflowId, isGated } from './controls';
import { takesEventType } from './event-patterns';
import { eventKeyOf, workflowIdOf } from './idempotency';
import { type FlowDefinition, type FlowEvent, allSteps, isWaitStep } from './types';

/** A correlated or entity-keyed flow's event is signalled (with start) to the run of its key. */
export interface RunRoute {
  /** gated: a flow with concurrency or throttle, whose runs wait in the gate of their key. */
  kind: 'correlated' | 'entity' | 'gated' | CollectControl;
  key: string;
  /** Entity, gated, debounce and batch flows: the workflow id of this event's own run. */
  eventWorkflowId?: string;
}

/** Per definition object: the ingress asks for every event, and a definition is replaced on reload, never changed. */
const callbackKeysOf = new WeakMap<object, ReadonlyMap<string, string>>();
const eventTypesOf = new WeakMap<object, readonly string[]>();

/** Event types a wait step of the flow takes, with the expression that gives their correlation key. */
export function callbackKeys(flow: Pick<FlowDefinition, 'steps' | 'correlation'>): ReadonlyMap<string, string> {
  let keys = callbackKeysOf.get(flow);
  if (!keys) {
    const found = new Map<string, string>();
    for (const step of allSteps(flow.steps)) {
      if (!isWaitStep(step)) continue;
      for (const type of step.wait.events) found.set(type, step.wait.key ?? flow.correlation?.key ?? '');
    }
    callbackKeysOf.set(flow, (keys = found));
  }
  return keys;
}

/** Every event type the flow takes: its trigger's (exact types and patterns such as orders.*) and its wait steps'. */
export function flowEventTypes(flow: FlowDefinition): readonly string[] {
  let types = eventTypesOf.get(flow);
  if (!types) eventTypesOf.set(flow, (types = [...flow.trigger.events, ...callbackKeys(flow).keys()]));
  return types;
}

/** Whether the flow takes events of this type: by its trigger (a type or a pattern) or as a callback. */
export function flowTakesEventType(flow: FlowDefinition, type: string): boolean {
  return takesEventType(flowEventTypes(flow), type);
}

/** The run an event of a correlated, entity-keyed, gated, debounced or batched flow is delivered to; undefined for other flows. */
export async function routeOf(flow: FlowDefinition, event: FlowEvent, eventKey: () => Promise<string>): Promise<{ workflowId: string; route: RunRoute } | undefined> {
  if (flow.correlation) {
    const expression = takesEventType(flow.trigger.events, event.type) ? flow.correlation.key : (callbackKeys(flow).get(event.type) ?? flow.correlation.key);
    const key = await eventKeyOf(expression, event, 'correlation key', flow.name);
    return { workflowId: workflowIdOf(flow, event.source, key), route: { kind: 'correlated', key } };
  }
  if (flow.entityKey) {
    const key = await eventKeyOf(flow.entityKey, event, 'entity key', flow.name);
    const workflowId = workflowIdOf(flow, event.source, key);
    return { workflowId, route: { kind: 'entity', key, eventWorkflowId: `${workflowId}:${await eventKey()}` } };
  }
  const control: CollectControl | undefined = flow.debounce ? 'debounce' : flow.batch ? 'batch' : undefined;
  if (control) {
    // The collector of the key; the event's own id is the one it would run under without the control.
    const expression = flow.debounce?.key ?? flow.batch?.key;
    const key = expression ? await eventKeyOf(expression, event, `${control} key`, flow.name) : ALL_KEYS;
    return { workflowId: workflowIdOf(flow, event.source, `${control}:${key}`), route: { kind: control, key, eventWorkflowId: workflowIdOf(flow, event.source, await eventKey()) } };
  }
  if (isGated(flow)) {
    const expression = gateKeyExpression(flow);
    const key = expression ? await eventKeyOf(expression, event, 'gate key', flow.name) : '';
    // The run keeps the id it would have without the gate: duplicates and replays find it the same way.
    return { workflowId: gateWorkflowId(flow, event.source, key), route: { kind: 'gated', key, eventWorkflowId: workflowIdOf(flow, event.source, await eventKey()) } };
  }
  return undefined;
}
