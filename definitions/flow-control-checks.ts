// What a JSON Schema cannot see in rateLimit, priority and fairness: expressions that do not
// parse, and a rate limit on a correlated flow (its callbacks must never be dropped).
import { unwrapExpression } from '../engine/expressions';
import type { FlowDefinition } from '../engine/types';
import type { Problem, YamlFile } from './yaml-file';

type Check = (path: (string | number)[], source: string) => void;

export function flowControlProblems(yaml: YamlFile, flow: Omit<FlowDefinition, 'version'>, check: Check): Problem[] {
  const problems: Problem[] = [];
  if (typeof flow.rateLimit?.key === 'string') check(['rateLimit', 'key'], unwrapExpression(flow.rateLimit.key));
  if (typeof flow.priority === 'string') check(['priority'], unwrapExpression(flow.priority));
  if (typeof flow.fairness?.key === 'string') check(['fairness', 'key'], unwrapExpression(flow.fairness.key));
  if (typeof flow.fairness?.weight === 'string') check(['fairness', 'weight'], unwrapExpression(flow.fairness.weight));
  if (flow.rateLimit && flow.correlation) {
    problems.push(yaml.at(['rateLimit'], 'a correlated flow cannot have a rateLimit: its callbacks would be dropped', 'limit the flow that sends the trigger events, or use entityKey'));
  }
  return problems;
}
