// What a JSON Schema cannot see in debounced and batched flows: key expressions that do not
// parse, a debounce timeout shorter than its period, zero durations, and controls that do not
// combine (each decides alone which run an event becomes; a rate limit would count raw events).
import { unwrapExpression } from '../engine/expressions';
import { durationMs } from '../engine/duration';
import type { FlowDefinition } from '../engine/types';
import type { Problem, YamlFile } from './yaml-file';

type Path = (string | number)[];
type Check = (path: Path, source: string) => void;

export function collectProblems(yaml: YamlFile, flow: Omit<FlowDefinition, 'version'>, check: Check): Problem[] {
  const problems: Problem[] = [];
  const { debounce, batch } = flow;
  if (typeof debounce?.key === 'string') check(['debounce', 'key'], unwrapExpression(debounce.key));
  if (typeof batch?.key === 'string') check(['batch', 'key'], unwrapExpression(batch.key));
  const period = durationMs(debounce?.period);
  const timeout = durationMs(debounce?.timeout);
  if (period === 0) problems.push(yaml.at(['debounce', 'period'], 'debounce period must be longer than 0', 'e.g. period: 3s (the quiet time after the last event)'));
  if (period !== undefined && timeout !== undefined && timeout < period) {
    problems.push(yaml.at(['debounce', 'timeout'], `debounce timeout ${debounce!.timeout} is shorter than its period ${debounce!.period}`, 'timeout caps the whole wait from the first event: make it at least the period, or leave it out'));
  }
  if (durationMs(batch?.timeout) === 0) problems.push(yaml.at(['batch', 'timeout'], 'batch timeout must be longer than 0', 'e.g. timeout: 10s (how long the first event waits for the others)'));
  const control = debounce ? 'debounce' : batch ? 'batch' : undefined;
  if (!control) return problems;
  if (debounce && batch) problems.push(yaml.at(['batch'], 'a flow has either debounce or batch, not both', 'debounce: one run with the last event of a burst; batch: one run with all of them'));
  const clashes: ['correlation' | 'entityKey', string][] = [['correlation', 'a correlated run owns its key'], ['entityKey', 'an entity queue runs every event']];
  for (const [other, why] of clashes) {
    if (flow[other] !== undefined) problems.push(yaml.at([other], `a flow has either ${control} or ${other}, not both (${why})`, `drop one of them; for events of one key one at a time, use entityKey alone`));
  }
  // A collector starts its runs directly: they would bypass a gate's slots and tokens.
  for (const gate of ['concurrency', 'throttle'] as const) {
    if (flow[gate] !== undefined) problems.push(yaml.at([gate], `a flow has either ${control} or ${gate}, not both (the ${control} run would not wait in the gate)`, `${control} already makes one run per ${control === 'debounce' ? 'burst' : 'batch'}; drop ${gate}, or split the flow`));
  }
  // The ingress applies a rate limit to raw events, before the collector absorbs them: it would
  // drop the newest events of a burst (a debounced run then acts on stale data) and count events
  // the collector would have folded into one run.
  if (flow.rateLimit !== undefined) {
    problems.push(yaml.at(['rateLimit'], `a flow has either ${control} or rateLimit, not both (the rate limit counts raw events before the ${control} absorbs them: it would drop the newest of a burst and the run would act on stale data)`, `${control} already makes one run per ${control === 'debounce' ? 'burst' : 'batch'}: to start fewer runs, ${control === 'debounce' ? 'lengthen the debounce period' : 'raise maxSize or the timeout'}; or drop ${control}`));
  }
  if (flow.trigger.schedule !== undefined) problems.push(yaml.at(['trigger', 'schedule'], `${control} applies to event triggers, not schedules`, 'a schedule starts one run per due time already'));
  return problems;
}
