// The start-up banner's lines about scheduled flows: what runs when, and which secrets a schedule
// needs that this environment does not set (its runs would fail as soon as they find work).
import { describeSchedule, scheduleIdOf } from '../engine/schedule';
import type { FlowDefinition } from '../engine/types';

/** Every `{ secret: NAME }` a flow refers to. */
export function secretNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(secretNames);
  if (!value || typeof value !== 'object') return [];
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === 'secret' && typeof entries[0][1] === 'string') return [entries[0][1]];
  return [...new Set(entries.flatMap(([, v]) => secretNames(v)))];
}

export function scheduleLines(flows: FlowDefinition[], env: NodeJS.ProcessEnv): string[] {
  return flows.flatMap((flow) => {
    if (!flow.trigger.schedule) return [];
    const missing = secretNames(flow.steps).filter((name) => !env[name]);
    const note = missing.length ? `; needs ${missing.join(', ')} (not set: a run that finds work fails until they are)` : '';
    return [`  schedule     ${scheduleIdOf(flow.name)}: ${describeSchedule(flow.trigger.schedule)}${note}`];
  });
}
