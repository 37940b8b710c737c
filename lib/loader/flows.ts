// Loads and checks every flow file: the JSON Schema first, then what a schema cannot see
// (unknown sources and events, duplicate step ids, expressions that do not parse, bad arguments).
// Every problem is collected and reported with file:line:column; nothing stops at the first.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import Ajv from 'ajv';
import flowSchema from '../../schemas/flow.schema.json';
import { activityCatalog } from '../../activities/catalog';
import { compileExpression, templateExpressions, unwrapExpression, ExpressionError } from '../flow/expressions';
import type { FlowDefinition, StepDefinition } from '../flow/types';
import { type Problem, type YamlFile, readYamlFile, schemaProblems } from './yaml-file';

export interface FlowCatalog {
  flows: FlowDefinition[];
  problems: Problem[];
}

export interface FlowContext {
  /** Source names that exist. */
  sources: Set<string>;
  /** Event types that have a payload schema. */
  eventTypes: Set<string>;
}

const validateFlowSchema = new Ajv({ allErrors: true, strict: false }).compile(flowSchema);

export function listYamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export function loadFlows(files: string[], context: FlowContext): FlowCatalog {
  const flows: FlowDefinition[] = [];
  const problems: Problem[] = [];
  const byName = new Map<string, string>();
  for (const file of files) {
    const yaml = readYamlFile(file, relative(process.cwd(), file) || file);
    const result = checkFlowFile(yaml, context);
    problems.push(...result.problems.sort((a, b) => a.line - b.line || a.column - b.column));
    if (!result.flow) continue;
    const previous = byName.get(result.flow.name);
    if (previous) {
      problems.push(yaml.at(['name'], `flow name "${result.flow.name}" is already used by ${previous}`, 'flow names must be unique'));
      continue;
    }
    byName.set(result.flow.name, yaml.file);
    flows.push(result.flow);
  }
  return { flows, problems };
}

export function checkFlowFile(yaml: YamlFile, context: FlowContext): { flow?: FlowDefinition; problems: Problem[] } {
  if (yaml.problems.length) return { problems: yaml.problems };
  if (!validateFlowSchema(yaml.data)) return { problems: schemaProblems(yaml, validateFlowSchema.errors ?? []) };
  const raw = yaml.data as Omit<FlowDefinition, 'version'>;
  const problems = semanticProblems(yaml, raw, context);
  if (problems.length) return { problems };
  const version = createHash('sha256').update(JSON.stringify(raw)).digest('hex').slice(0, 12);
  return { flow: { ...raw, version }, problems };
}

function semanticProblems(yaml: YamlFile, flow: Omit<FlowDefinition, 'version'>, context: FlowContext): Problem[] {
  const problems: Problem[] = [];
  const { trigger } = flow;
  if (!context.sources.has(trigger.source)) {
    problems.push(yaml.at(['trigger', 'source'], `unknown source "${trigger.source}"`, `known sources: ${[...context.sources].join(', ') || 'none'}`));
  }
  trigger.events.forEach((type, i) => {
    if (!context.eventTypes.has(type)) {
      problems.push(yaml.at(['trigger', 'events', i], `event type "${type}" has no payload schema`, `add schemas/events/${type}.json`));
    }
  });
  if (trigger.idempotencyKey) checkExpression(yaml, ['trigger', 'idempotencyKey'], unwrapExpression(trigger.idempotencyKey), problems);

  const seen = new Map<string, number>();
  flow.steps.forEach((step, i) => {
    const at = (key: string | number, ...rest: (string | number)[]) => ['steps', i, key, ...rest];
    if (seen.has(step.id)) problems.push(yaml.at(at('id'), `duplicate step id "${step.id}" (also step ${seen.get(step.id)! + 1})`, 'step ids must be unique in a flow'));
    seen.set(step.id, i);
    if (step.if) checkExpression(yaml, at('if'), unwrapExpression(step.if), problems);
    if (step.forEach) checkExpression(yaml, at('forEach'), unwrapExpression(step.forEach), problems);
    checkArguments(yaml, step, at, problems);
    checkTemplates(yaml, step.with, at('with'), problems);
  });
  return problems;
}

function checkArguments(yaml: YamlFile, step: StepDefinition, at: (k: string | number, ...r: (string | number)[]) => (string | number)[], problems: Problem[]) {
  const spec = activityCatalog[step.uses];
  if (!spec) return; // the schema's enum already reported it
  const args = step.with ?? {};
  for (const name of spec.required) {
    if (!(name in args)) problems.push(yaml.at(step.with ? at('with') : at('uses'), `${step.uses} needs argument "${name}"`, `arguments: ${[...spec.required, ...spec.optional].join(', ')}`));
  }
  for (const name of Object.keys(args)) {
    if (!spec.required.includes(name) && !spec.optional.includes(name)) {
      problems.push(yaml.at(at('with', name), `${step.uses} has no argument "${name}"`, `arguments: ${[...spec.required, ...spec.optional].join(', ')}`));
    }
  }
}

function checkTemplates(yaml: YamlFile, value: unknown, path: (string | number)[], problems: Problem[]) {
  if (typeof value === 'string') {
    for (const expr of templateExpressions(value)) checkExpression(yaml, path, expr, problems);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkTemplates(yaml, v, [...path, i], problems));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkTemplates(yaml, v, [...path, k], problems);
  }
}

function checkExpression(yaml: YamlFile, path: (string | number)[], source: string, problems: Problem[]) {
  try {
    compileExpression(source);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    problems.push(yaml.at(path, err.message, 'expressions are JSONata: https://docs.jsonata.org'));
  }
}
