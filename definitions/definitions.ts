// Everything an ingress or worker needs from the project's files, checked together:
// sources, event schemas and flows. Any problem stops start-up with the full list.
import { join } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { DefinitionError } from '../lib/errors';
import type { FlowDefinition } from '../engine/types';
import type { EventValidator } from './event-schemas';
import { type EventCatalog, loadEventCatalog } from './event-catalog';
import { catalogProblems, flowEventContext } from './event-context';
import { listYamlFiles, loadFlows } from './flows';
import type { Problem } from './yaml-file';
import { type DisabledSource, type SourceDefinition, loadSources } from './sources';
import type { SecretEnv } from './source-secrets';

export interface Definitions {
  sources: Map<string, SourceDefinition>;
  /** The shared schemas (schemas/events/<type>.json) by type; `events` finds per-source and versioned ones too. */
  eventSchemas: Map<string, EventValidator>;
  /** Every event schema: a source's own first, then the shared one; versions (definitions/event-catalog.ts). */
  events?: EventCatalog;
  /** What `hookflow validate` prints and start-up does not stop for (a step reading a field no schema guarantees). */
  warnings?: Problem[];
  flows: FlowDefinition[];
  /** Optional sources left off because their secrets are not set, with the flows that wait for them. */
  disabled?: (DisabledSource & { flows: string[] })[];
  /** Flows left off because environment variables they require (`requires:`) are not set. */
  disabledFlows?: DisabledFlow[];
}

/** A flow whose `requires:` names variables that are unset or empty: checked, then left off. */
export interface DisabledFlow { name: string; missing: string[] }

export interface DefinitionDirs {
  flowsDir: string;
  /** Flow files or folders to load instead of flowsDir (hookflow validate PATHS). */
  flowPaths?: string[];
  sourcesDir: string;
  schemasDir: string;
}

/**
 * The one check start-up (ingress, worker, npm start) and `hookflow validate` share. `env` gives
 * the secrets sources read; 'unchecked' skips them (validate --skip-env: no secrets at hand).
 */
export function loadDefinitions(dirs: DefinitionDirs, env: SecretEnv = process.env): Definitions {
  // A mistyped folder would otherwise mean no sources (every webhook 404), or no flows (every
  // event acknowledged and ignored, every schedule deleted): name it and stop instead.
  const folderProblems = [
    missingFolder(dirs.sourcesDir, 'HOOKFLOW_SOURCES_DIR', 'the source files (sources/*.yaml)'),
    missingFolder(dirs.schemasDir, 'HOOKFLOW_SCHEMAS_DIR', 'the JSON Schemas (schemas/, with events/ inside)'),
    dirs.flowPaths ? undefined : missingFolder(dirs.flowsDir, 'HOOKFLOW_FLOWS_DIR', 'the flow files (flows/*.yaml)'),
  ].filter((p): p is Problem => p !== undefined);
  if (folderProblems.length) throw new DefinitionError(folderProblems);
  const { catalog: events, problems: schemaProblems } = loadEventCatalog(join(dirs.schemasDir, 'events'));
  const { sources, names: sourceNames, disabled, problems: sourceProblems } = loadSources(listYamlFiles(dirs.sourcesDir), env, events);
  const eventSchemas = new Map([...events.allTypes()].flatMap((t) => { const s = events.schemaOf('', t); return s ? [[t, s.validate] as const] : []; }));
  const { files: flowFiles, problems: pathProblems } = expandFlowPaths(dirs.flowPaths ?? [dirs.flowsDir]);
  const { flows, problems: flowProblems, warnings } = loadFlows(flowFiles, {
    sources: new Set(sourceNames),
    eventTypes: new Set(eventSchemas.keys()),
    events: flowEventContext(events, sources),
  });
  const problems = [...schemaProblems, ...catalogProblems(dirs.schemasDir, events, sourceNames, sources), ...pathProblems, ...sourceProblems, ...flowProblems];
  if (problems.length) throw new DefinitionError(problems);
  // Flows of a disabled source, and flows missing a variable they require, are checked like any
  // other, then left out.
  const off = new Set(disabled.map((d) => d.name));
  const disabledFlows = flows.map((f) => ({ name: f.name, missing: missingRequirements(f, env) })).filter((d) => d.missing.length);
  const flowsOff = new Set(disabledFlows.map((d) => d.name));
  const active = flows.filter((f) => (!f.trigger.source || !off.has(f.trigger.source)) && !flowsOff.has(f.name));
  return {
    sources: new Map(sources.map((s) => [s.name, s])), eventSchemas, events, warnings, flows: active,
    disabled: disabled.map((d) => ({ ...d, flows: flows.filter((f) => f.trigger.source === d.name).map((f) => f.name) })),
    disabledFlows,
  };
}

/** 'unchecked' (validate --skip-env) has no environment to look at: every flow counts as on. */
function missingRequirements(flow: FlowDefinition, env: SecretEnv): string[] {
  if (env === 'unchecked') return [];
  return (flow.requires ?? []).filter((name) => !env[name]);
}

function missingFolder(dir: string, variable: string, holds: string): Problem | undefined {
  if (existsSync(dir) && statSync(dir).isDirectory()) return undefined;
  return { file: dir, line: 1, column: 1, message: 'no such folder', hint: `set ${variable} to the folder of ${holds}` };
}

/** Folders become their *.yaml files; a path that does not exist is a problem, not a crash. */
export function expandFlowPaths(paths: string[]): { files: string[]; problems: Problem[] } {
  const files: string[] = [];
  const problems: Problem[] = [];
  for (const path of paths) {
    if (!existsSync(path)) problems.push({ file: path, line: 1, column: 1, message: 'no such file or folder', hint: 'give flow files (.yaml) or folders holding them' });
    else if (statSync(path).isDirectory()) files.push(...listYamlFiles(path));
    else files.push(path);
  }
  return { files, problems };
}
