// Everything an ingress or worker needs from the project's files, checked together:
// sources, event schemas and flows. Any problem stops start-up with the full list.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { DefinitionError } from '../errors';
import type { FlowDefinition } from '../flow/types';
import { type EventValidator, loadEventSchemas } from './event-schemas';
import { listYamlFiles, loadFlows } from './flows';
import { type SourceDefinition, loadSources } from './sources';

export interface Definitions {
  sources: Map<string, SourceDefinition>;
  eventSchemas: Map<string, EventValidator>;
  flows: FlowDefinition[];
}

export interface DefinitionDirs {
  flowsDir: string;
  sourcesDir: string;
  schemasDir: string;
}

export function loadDefinitions(dirs: DefinitionDirs, env: NodeJS.ProcessEnv = process.env): Definitions {
  const sourceFiles = existsSync(dirs.sourcesDir) ? listYamlFiles(dirs.sourcesDir) : [];
  const { sources, problems: sourceProblems } = loadSources(sourceFiles, env);
  const eventSchemas = loadEventSchemas(join(dirs.schemasDir, 'events'));
  const flowFiles = existsSync(dirs.flowsDir) ? listYamlFiles(dirs.flowsDir) : [];
  const { flows, problems: flowProblems } = loadFlows(flowFiles, {
    sources: new Set(sources.map((s) => s.name)),
    eventTypes: new Set(eventSchemas.keys()),
  });
  const problems = [...sourceProblems, ...flowProblems];
  if (problems.length) throw new DefinitionError(problems);
  return { sources: new Map(sources.map((s) => [s.name, s])), eventSchemas, flows };
}
