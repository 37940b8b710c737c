// Loads and checks every flow file: the JSON Schema first, then what a schema cannot see
// (unknown sources and events, duplicate step ids, expressions that do not parse, bad arguments).
// Every problem is collected and reported with file:line:column; nothing stops at the first.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import Ajv from 'ajv';
import flowSchema from '../schemas/flow.schema.json';
import type { FlowDefinition } from '../engine/types';
import { normalizedScheduleTrigger } from '../engine/schedule';
import { DEFAULT_TRIGGER_TIMEOUT } from '../engine/defaults';
import { bestEffortFlow } from './best-effort-flow';
import { type FlowContext, semanticProblems } from './flow-checks';
import { resolveTriggerVersions } from './trigger-versions';
import { type Problem, type YamlFile, readYamlFile, schemaProblems } from './yaml-file';

export interface FlowCatalog {
  flows: FlowDefinition[];
  problems: Problem[];
  /** Reported by validate, never refused (a step reading a field no schema guarantees). */
  warnings: Problem[];
}

export type { FlowContext } from './flow-checks';

/**
 * The schema without its editor hints (which arguments each activity takes): arguments are
 * checked after it by the catalog, with template-aware messages, next to the other semantic checks.
 */
function withoutEditorHints(schema: typeof flowSchema): object {
  const copy = structuredClone(schema) as { definitions: Record<string, { allOf?: unknown }> };
  delete copy.definitions.step.allOf;
  delete copy.definitions.compensate.allOf;
  return copy;
}

const validateFlowSchema = new Ajv({ allErrors: true, strict: false }).compile(withoutEditorHints(flowSchema));

export function listYamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export function loadFlows(files: string[], context: FlowContext): FlowCatalog {
  const flows: FlowDefinition[] = [];
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const byName = new Map<string, string>();
  for (const file of files) {
    const yaml = readYamlFile(file, relative(process.cwd(), file) || file);
    const result = checkFlowFile(yaml, context);
    problems.push(...result.problems.sort((a, b) => a.line - b.line || a.column - b.column));
    warnings.push(...(result.warnings ?? []));
    if (!result.flow) continue;
    const previous = byName.get(result.flow.name);
    if (previous) {
      problems.push(yaml.at(['name'], `flow name "${result.flow.name}" is already used by ${previous}`, 'flow names must be unique'));
      continue;
    }
    byName.set(result.flow.name, yaml.file);
    flows.push(result.flow);
  }
  return { flows, problems, warnings };
}

export function checkFlowFile(yaml: YamlFile, context: FlowContext): { flow?: FlowDefinition; problems: Problem[]; warnings?: Problem[] } {
  if (yaml.problems.length) return { problems: yaml.problems };
  if (!validateFlowSchema(yaml.data)) return { problems: withSemanticProblems(yaml, schemaProblems(yaml, validateFlowSchema.errors ?? []), context) };
  const checked = yaml.data as Omit<FlowDefinition, 'version'>;
  const warnings: Problem[] = [];
  const problems = semanticProblems(yaml, checked, context, warnings);
  // The versions the trigger takes, with their upcasts: part of the definition (and of its version hash).
  const versions = resolveTriggerVersions(yaml, checked, context.events, problems);
  if (problems.length) return { problems, warnings };
  const raw = withDefaults(versions ? { ...checked, trigger: { ...checked.trigger, versions } } : checked);
  const version = createHash('sha256').update(JSON.stringify(raw)).digest('hex').slice(0, 12);
  if (raw.trigger.schedule) return { flow: { ...raw, trigger: normalizedScheduleTrigger({ schedule: raw.trigger.schedule }), version }, problems, warnings };
  return { flow: { ...raw, version }, problems, warnings };
}


/**
 * Adds what the semantic checks find in the parts of an invalid file that are shaped well enough,
 * keeping one problem per position (the schema's, which comes first).
 */
function withSemanticProblems(yaml: YamlFile, problems: Problem[], context: FlowContext): Problem[] {
  const flow = bestEffortFlow(yaml.data);
  if (!flow) return problems;
  let extra: Problem[] = [];
  try {
    extra = semanticProblems(yaml, flow, context);
  } catch {
    // A shape the checks did not expect: the schema problems already say what is wrong.
  }
  const seen = new Set(problems.map((p) => `${p.line}:${p.column}`));
  return [...problems, ...extra.filter((p) => !seen.has(`${p.line}:${p.column}`) && seen.add(`${p.line}:${p.column}`))];
}

/** Defaults the run must carry (its definition travels with it), part of the version. */
function withDefaults(flow: Omit<FlowDefinition, 'version'>): Omit<FlowDefinition, 'version'> {
  if (!flow.correlation || flow.correlation.triggerTimeout) return flow;
  return { ...flow, correlation: { ...flow.correlation, triggerTimeout: DEFAULT_TRIGGER_TIMEOUT } };
}
