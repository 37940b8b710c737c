// A run's place in Temporal's task queues: the flow's `priority` and `fairness` over the event,
// as Temporal's Priority (priorityKey 1 first … 5 last, fairnessKey, fairnessWeight). Activities
// inherit it from their run. Pure: evaluated by the ingress when it starts the run.
import type { Priority } from '@temporalio/common';
import { evaluateExpression, unwrapExpression } from './expressions';
import type { FlowDefinition, FlowEvent } from './types';

export const PRIORITY_KEYS = { first: 1, last: 5 } as const;
/** Temporal keeps at most 64 bytes of a fairness key. */
const MAX_FAIRNESS_KEY_BYTES = 64;
const utf8 = new TextEncoder();

/**
 * The priority of the flow's run for this event; undefined when the flow declares none. A value
 * that is not a number leaves the server's default (3); numbers are rounded and kept within 1..5,
 * so an odd event never fails to start over its priority.
 */
export async function runPriorityOf(flow: Pick<FlowDefinition, 'priority' | 'fairness'>, event: FlowEvent): Promise<Priority | undefined> {
  if (flow.priority === undefined && !flow.fairness) return undefined;
  const priority: Priority = {};
  const level = await valueOf(flow.priority, event);
  if (typeof level === 'number' && Number.isFinite(level)) priority.priorityKey = Math.min(PRIORITY_KEYS.last, Math.max(PRIORITY_KEYS.first, Math.round(level)));
  if (flow.fairness) {
    const key = await valueOf(flow.fairness.key, event);
    if (key !== undefined && key !== null && key !== '') priority.fairnessKey = truncateUtf8(typeof key === 'string' ? key : JSON.stringify(key), MAX_FAIRNESS_KEY_BYTES);
    const weight = await valueOf(flow.fairness.weight, event);
    if (typeof weight === 'number' && Number.isFinite(weight) && weight > 0) priority.fairnessWeight = weight;
  }
  return Object.keys(priority).length ? priority : undefined;
}

async function valueOf(spec: string | number | undefined, event: FlowEvent): Promise<unknown> {
  if (spec === undefined || typeof spec === 'number') return spec;
  // An expression that fails on this event leaves the default: priority never stops a start.
  return evaluateExpression(unwrapExpression(spec), { event }).catch(() => undefined);
}

function truncateUtf8(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = utf8.encode(ch).length;
    if (bytes + size > maxBytes) break;
    out += ch;
    bytes += size;
  }
  return out;
}
