// What a JSON Schema cannot see in a flow's controls (concurrency, throttle): key expressions that
// do not parse, a throttle period of zero, a burst above the limit, two controls keyed differently
// (one gate holds both), and controls on flows whose runs are not started one per event.
import { unwrapExpression } from '../engine/expressions';
import { durationMs } from '../engine/duration';
import type { FlowDefinition } from '../engine/types';
import type { Problem, YamlFile } from './yaml-file';

type Path = (string | number)[];
type Check = (path: Path, source: string) => void;

export function controlProblems(yaml: YamlFile, flow: Omit<FlowDefinition, 'version'>, check: Check): Problem[] {
  const { concurrency, throttle } = flow;
  if (!concurrency && !throttle) return [];
  const problems: Problem[] = [];
  const first = concurrency ? 'concurrency' : 'throttle';
  if (typeof concurrency?.key === 'string') check(['concurrency', 'key'], unwrapExpression(concurrency.key));
  if (typeof throttle?.key === 'string') check(['throttle', 'key'], unwrapExpression(throttle.key));
  if (throttle && durationMs(throttle.period) === 0) problems.push(yaml.at(['throttle', 'period'], 'a throttle period must be longer than 0', 'e.g. period: 1s'));
  if (throttle && typeof throttle.burst === 'number' && typeof throttle.limit === 'number' && throttle.burst > throttle.limit) {
    problems.push(yaml.at(['throttle', 'burst'], `burst ${throttle.burst} is more than the limit ${throttle.limit}`, 'burst: starts allowed at once after a quiet spell, 1 to limit'));
  }
  if (concurrency && throttle && concurrency.key !== throttle.key) {
    problems.push(yaml.at(['throttle', throttle.key ? 'key' : 'limit'], `throttle.key (${throttle.key ?? 'none'}) differs from concurrency.key (${concurrency.key ?? 'none'})`, 'one gate per key holds both controls: give both the same key, or neither'));
  }
  if (flow.entityKey) problems.push(yaml.at(['entityKey'], `a flow has either entityKey or ${first}, not both`, `entityKey: X is concurrency: { limit: 1, key: X }; keep one`));
  if (flow.correlation) problems.push(yaml.at([first], `a correlated flow cannot have ${first}`, 'correlation makes one run per key already'));
  if (flow.trigger.schedule !== undefined) problems.push(yaml.at([first], `a scheduled flow cannot have ${first}`, 'schedule.overlap says what happens when runs would overlap'));
  return problems;
}
