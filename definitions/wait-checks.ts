// What a JSON Schema cannot see in correlated and entity-keyed flows: wait steps without
// correlation, callback types that do not exist or are taken twice, onTimeout outcomes that are
// not among the wait's events, and key expressions that do not parse.
import { templateExpressions, unwrapExpression } from '../engine/expressions';
import { type FlowDefinition, allSteps, isWaitStep } from '../engine/types';
import type { Problem, YamlFile } from './yaml-file';

type Path = (string | number)[];
type Check = (path: Path, source: string) => void;

export function correlationProblems(yaml: YamlFile, flow: Omit<FlowDefinition, 'version'>, eventTypes: Set<string>, check: Check): Problem[] {
  const problems: Problem[] = [];
  if (flow.correlation?.key) check(['correlation', 'key'], unwrapExpression(flow.correlation.key));
  if (flow.entityKey) check(['entityKey'], unwrapExpression(flow.entityKey));
  if (flow.correlation && flow.entityKey) {
    problems.push(yaml.at(['entityKey'], 'a flow has either correlation or entityKey, not both', 'correlation: one run per key that waits for callbacks; entityKey: events of one entity one at a time'));
  }
  const takenBy = new Map<string, string>();
  const visit = (steps: FlowDefinition['steps'], base: Path, inOnFailure: boolean) =>
    steps.forEach((step, i) => {
      const at = (...rest: Path): Path => [...base, i, ...rest];
      if ('parallel' in step && Array.isArray(step.parallel)) step.parallel.forEach((b, j) => visit(b.steps ?? [], at('parallel', j, 'steps'), inOnFailure));
      if (!isWaitStep(step)) {
        if ('onTimeout' in step) problems.push(yaml.at(at('onTimeout'), `"onTimeout" only applies to wait steps`, 'put it next to the wait: of the step it reconciles'));
        return;
      }
      if (!flow.correlation) problems.push(yaml.at(at('wait'), `wait step "${step.id}" needs a correlated flow`, 'add at the top of the flow: correlation: { key: <expression over the event, e.g. event.body.data.payment_id> }'));
      if (inOnFailure) problems.push(yaml.at(at('wait'), `wait step "${step.id}" cannot be in onFailure`, 'wait in the flow\'s steps'));
      const { events = [], key, timeout = '' } = step.wait;
      if (key) check(at('wait', 'key'), unwrapExpression(key));
      for (const expr of templateExpressions(timeout)) check(at('wait', 'timeout'), expr);
      events.forEach((type, j) => {
        if (!eventTypes.has(type)) problems.push(yaml.at(at('wait', 'events', j), `event type "${type}" has no payload schema`, `add schemas/events/${type}.json`));
        else if (flow.trigger.events.includes(type)) problems.push(yaml.at(at('wait', 'events', j), `"${type}" starts this flow; a wait step cannot also wait for it`, 'wait for the callbacks that follow the trigger event'));
        else if (takenBy.has(type)) problems.push(yaml.at(at('wait', 'events', j), `"${type}" is already awaited by step "${takenBy.get(type)}"`, 'each callback type settles one wait step'));
        else takenBy.set(type, step.id);
      });
      const onTimeout = step.onTimeout;
      if (!onTimeout) return;
      for (const [type, condition] of Object.entries(onTimeout.when ?? {})) {
        if (!events.includes(type)) problems.push(yaml.at(at('onTimeout', 'when', type), `"${type}" is not one of the events step "${step.id}" waits for`, `when: takes the wait's events: ${events.join(', ')}`));
        else check(at('onTimeout', 'when', type), unwrapExpression(condition));
      }
      if (allSteps(onTimeout.steps ?? []).some(isWaitStep)) problems.push(yaml.at(at('onTimeout', 'steps'), 'onTimeout steps cannot wait themselves', 'use wait.timeout and onTimeout.retry for the waits between rounds'));
    });
  visit(flow.steps, ['steps'], false);
  if (flow.onFailure) visit(flow.onFailure, ['onFailure'], true);
  return problems;
}
