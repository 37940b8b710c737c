// What a JSON Schema cannot see in a flow file: unknown sources and events, step kinds mixed up,
// duplicate step ids, expressions that do not parse, template braces that do not pair up,
// unknown functions, $now()/$millis()/$random() where the ingress evaluates them, references to steps that do not exist and
// arguments an activity does not accept. Every problem is collected, none stops the others.
import { ExpressionError, compileExpression, templateExpressions, unwrapExpression } from '../engine/expressions';
import { CLOCK_FUNCTIONS, JSONATA_FUNCTIONS, clockFunctions, unknownFunctions, unpairedBraces } from './expression-problems';
import { type FlowDefinition, type StepDefinition, allSteps, isActivityStep, isParallelStep, isWaitStep } from '../engine/types';
import { argumentProblems } from './argument-check';
import { egressProblems } from './egress-checks';
import type { SecretDeclaration } from '../engine/secret-refs';
import { referencedStepIds } from './step-refs';
import { scheduleTriggerProblems } from './schedule-checks';
import { correlationProblems } from './wait-checks';
import { flowControlProblems } from './flow-control-checks';
import { collectProblems } from './collect-checks';
import { controlProblems } from './control-checks';
import type { Problem, YamlFile } from './yaml-file';
import { isEventPattern } from '../engine/event-patterns';
import { type FlowEventContext, unguaranteedReads } from './event-context';

export interface FlowContext {
  /** Source names that exist. */
  sources: Set<string>;
  /** Event types that have a payload schema (shared ones; `events` knows each source's own too). */
  eventTypes: Set<string>;
  /** Per-source and versioned schemas, and the sources' upcasts (definitions/event-context.ts). */
  events?: FlowEventContext;
}

type Path = (string | number)[];
const JSONATA_HINT = 'expressions are JSONata: https://docs.jsonata.org';
const ACTIVITY_ONLY = ['with', 'forEach', 'as', 'concurrency', 'retry', 'timeout', 'local', 'compensate'] as const;

/** `warnings`: what validate reports without refusing the flow (fields no schema guarantees). */
export function semanticProblems(yaml: YamlFile, flow: Omit<FlowDefinition, 'version'>, context: FlowContext, warnings: Problem[] = []): Problem[] {
  const problems: Problem[] = [];
  const { trigger } = flow;
  // The types with a schema for this flow's source: its own, then the shared ones.
  const eventTypes = (trigger.source && context.events?.typesOf(trigger.source)) || context.eventTypes;
  const patterns = (trigger.schedule === undefined && Array.isArray(trigger.events) ? trigger.events : []).filter(isEventPattern);
  if (trigger.schedule !== undefined) problems.push(...scheduleTriggerProblems(yaml, trigger, context.sources));
  else {
    if (!context.sources.has(trigger.source)) {
      problems.push(yaml.at(['trigger', 'source'], `unknown source "${trigger.source}"`, `known sources: ${[...context.sources].join(', ') || 'none'}`));
    }
    trigger.events.forEach((type, i) => {
      if (isEventPattern(type)) {
        if (flow.correlation) problems.push(yaml.at(['trigger', 'events', i], `a correlated flow names its trigger events: "${type}" is a pattern`, 'list the event types that start the run; callbacks are matched by type'));
      } else if (!eventTypes.has(type)) {
        problems.push(yaml.at(['trigger', 'events', i], `event type "${type}" has no payload schema`, `add schemas/events/${trigger.source}/${type}.json (this source's) or schemas/events/${type}.json (shared); or, if the flow needs no typed payload, trigger on a pattern: "*" or a prefix such as "${type.split('.')[0]}.*"`));
      }
    });
  }
  const stepIds = new Set(allSteps([...flow.steps, ...(flow.onFailure ?? [])]).map((s) => s.id));
  const check = (path: Path, source: string) => {
    const before = problems.length;
    checkExpression(yaml, path, source, stepIds, problems);
    // A pattern takes types no schema describes: every field of the body it reads may be absent.
    if (patterns.length && problems.length === before) {
      for (const field of unguaranteedReads(source)) {
        warnings.push(yaml.at(path, `reads ${field}, which no schema guarantees: the flow triggers on ${patterns.map((p) => `"${p}"`).join(', ')}, and an event of a type without a schema is not checked`, `where the field may be absent, test it first (if: ${field}), or trigger on named event types with schemas`));
      }
    }
  };
  if (trigger.filter) check(['trigger', 'filter'], unwrapExpression(trigger.filter));
  if (trigger.idempotencyKey) check(['trigger', 'idempotencyKey'], unwrapExpression(trigger.idempotencyKey));

  const seen = new Map<string, string>();
  const secretsUsed = new Set<string>();
  const call = (uses: string, args: Record<string, unknown> | undefined, at: (...rest: Path) => Path) => checkCall(yaml, uses, args, at, check, problems, { declared: flow.secrets, used: secretsUsed });
  const visitSteps = (steps: StepDefinition[], base: Path) =>
    steps.forEach((step, i) => {
      const at = (...rest: Path): Path => [...base, i, ...rest];
      const previous = seen.get(step.id);
      if (previous) problems.push(yaml.at(at('id'), `duplicate step id "${step.id}" (also at ${previous})`, 'step ids must be unique in a flow, including parallel branches and onFailure'));
      else seen.set(step.id, `line ${yaml.at(at('id'), '').line}`);
      const kinds = (['uses', 'delay', 'parallel', 'wait'] as const).filter((k) => k in step);
      if (kinds.length !== 1) {
        problems.push(yaml.at(at(), `step "${step.id}" must have exactly one of uses, delay, parallel or wait${kinds.length ? ` (has ${kinds.join(', ')})` : ''}`, 'uses: calls an activity; delay: waits; parallel: runs branches at once; wait: waits for a callback'));
        return;
      }
      if (step.if) check(at('if'), unwrapExpression(step.if));
      if ('delay' in step) checkTemplate(yaml, at('delay'), step.delay, check, problems);
      if (isParallelStep(step)) step.parallel.forEach((b, j) => visitSteps(b.steps, [...at('parallel', j, 'steps')]));
      if (isWaitStep(step) && step.onTimeout?.steps) visitSteps(step.onTimeout.steps, at('onTimeout', 'steps'));
      if (!isActivityStep(step)) {
        for (const key of ACTIVITY_ONLY) if (key in step) problems.push(yaml.at(at(key), `"${key}" only applies to steps that use an activity`, 'move it to a step with uses:'));
        return;
      }
      if (step.forEach) check(at('forEach'), unwrapExpression(step.forEach));
      else if (step.as || step.concurrency) problems.push(yaml.at(at(step.as ? 'as' : 'concurrency'), `"${step.as ? 'as' : 'concurrency'}" needs forEach`, 'add forEach: <expression giving an array>'));
      if (step.maxItems !== undefined && !step.forEach) problems.push(yaml.at(at('maxItems'), '"maxItems" needs forEach', 'add forEach: <expression giving an array>'));
      call(step.uses, step.with, at);
      if (step.compensate) call(step.compensate.uses, step.compensate.with, (...rest) => at('compensate', ...rest));
    });
  visitSteps(flow.steps, ['steps']);
  if (flow.onFailure) visitSteps(flow.onFailure, ['onFailure']);
  (flow.secrets ?? []).forEach((d, i) => {
    const name = typeof d === 'string' ? d : d.name;
    if (name && !secretsUsed.has(name)) problems.push(yaml.at(['secrets', i], `secret "${name}" is declared but no step names it`, 'remove it from secrets:, or name it where it is used ({ secret: NAME })'));
  });
  problems.push(...correlationProblems(yaml, flow, eventTypes, check));
  problems.push(...flowControlProblems(yaml, flow, check));
  problems.push(...collectProblems(yaml, flow, check));
  problems.push(...controlProblems(yaml, flow, check));
  return problems;
}

interface SecretUse { declared?: SecretDeclaration[]; used: Set<string> }

function checkCall(yaml: YamlFile, uses: string, args: Record<string, unknown> | undefined, at: (...rest: Path) => Path, check: (path: Path, source: string) => void, problems: Problem[], secrets: SecretUse) {
  const argProblems = argumentProblems(uses, args ?? {});
  for (const p of argProblems) problems.push(yaml.at(args ? at('with', ...p.path) : at('uses'), p.message, p.hint));
  // One problem per argument: the catalog's, when it has one there.
  const reported = new Set(argProblems.map((p) => p.path.join('.')));
  for (const p of egressProblems(uses, args, secrets.declared, secrets.used)) if (!reported.has(p.path.join('.'))) problems.push(yaml.at(at('with', ...p.path), p.message, p.hint));
  visitTemplates(yaml, args, at('with'), check, problems);
}

function visitTemplates(yaml: YamlFile, value: unknown, path: Path, check: (path: Path, source: string) => void, problems: Problem[]) {
  if (typeof value === 'string') checkTemplate(yaml, path, value, check, problems);
  else if (Array.isArray(value)) value.forEach((v, i) => visitTemplates(yaml, v, [...path, i], check, problems));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visitTemplates(yaml, v, [...path, k], check, problems);
}

/** Every mistake of a text with {{ … }} templates: each expression's, and braces left unpaired. */
function checkTemplate(yaml: YamlFile, path: Path, text: string, check: (path: Path, source: string) => void, problems: Problem[]) {
  for (const expr of templateExpressions(text)) check(path, expr);
  for (const message of unpairedBraces(text)) problems.push(yaml.at(path, message, 'write each expression as {{ expression }}'));
}

function checkExpression(yaml: YamlFile, path: Path, source: string, stepIds: Set<string>, problems: Problem[]) {
  try {
    compileExpression(source);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    problems.push(yaml.at(path, err.message, JSONATA_HINT));
    return;
  }
  if (isIngressExpression(path)) {
    for (const name of clockFunctions(source)) {
      problems.push(yaml.at(path, `expression "${source.trim()}" calls $${name}(), but the ingress evaluates ${path.slice(-2).join('.')} when a delivery arrives: a retried delivery, a relay or a replay would get another value (another key, run or decision)`, `${CLOCK_FUNCTIONS[name]}; $${name}() is deterministic only in steps (docs/flows.md#expressions)`));
    }
  }
  for (const name of unknownFunctions(source)) {
    const close = [...JSONATA_FUNCTIONS].find((known) => editDistance(known.toLowerCase(), name.toLowerCase()) <= 2);
    problems.push(yaml.at(path, `expression "${source.trim()}" calls unknown function $${name}`, `${close ? `did you mean $${close}? ` : ''}JSONata's functions: https://docs.jsonata.org/string-functions (and the other function pages)`));
  }
  for (const id of referencedStepIds(source)) {
    if (!stepIds.has(id)) {
      const dashed = [...stepIds].find((known) => known.startsWith(`${id}-`));
      const close = [...stepIds].find((known) => editDistance(known, id) <= 2);
      const hint = dashed ? ` (ids with dashes need backticks: steps.\`${dashed}\`.output)` : close ? ` (did you mean "${close}"?)` : '';
      problems.push(yaml.at(path, `expression "${source.trim()}" refers to unknown step "${id}"`, `known steps: ${[...stepIds].join(', ')}${hint}`));
    }
  }
}

/** Where the ingress evaluates an expression, once per delivery, outside any workflow. */
const INGRESS_EXPRESSIONS = new Set([
  'trigger.filter', 'trigger.idempotencyKey', 'correlation.key', 'entityKey', 'rateLimit.key', 'priority', 'fairness.key',
  'fairness.weight', 'debounce.key', 'batch.key', 'concurrency.key', 'throttle.key',
]);

function isIngressExpression(path: Path): boolean {
  // A wait step's key routes its callback: evaluated by the ingress too, wherever the step is.
  return INGRESS_EXPRESSIONS.has(path.join('.')) || (path.at(-2) === 'wait' && path.at(-1) === 'key');
}

/** Levenshtein distance, for "did you mean" hints on misspelt step ids. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
