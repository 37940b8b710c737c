// What flow checks need to know about events beyond a list of types: each source's own schemas,
// the versions of a type and the sources' upcasts; and the checks of the schema folder against the
// sources (a folder named after no source, versions a source does not say where to find).
import { compileExpression } from '../engine/expressions';
import type { EventCatalog } from './event-catalog';
import type { SourceDefinition, Upcast } from './source-types';
import type { Problem } from './yaml-file';

export interface FlowEventContext {
  /** Types with a schema for events of this source (its own and the shared ones). */
  typesOf(source: string): Set<string>;
  /** A source's versions of a type, oldest first ([] when unversioned). */
  versionsOf(source: string, type: string): string[];
  /** Whether the source says where its events carry their version; undefined for a source that is off (or unknown). */
  hasVersions(source: string): boolean | undefined;
  /** The upcast from `version` of a type to its next version, if the source has one. */
  upcastOf(source: string, type: string, version: string): Upcast | undefined;
}

export function flowEventContext(catalog: EventCatalog, sources: SourceDefinition[]): FlowEventContext {
  const byName = new Map(sources.map((s) => [s.name, s]));
  return {
    typesOf: (source) => catalog.typesOf(source),
    versionsOf: (source, type) => catalog.versionsOf(source, type),
    hasVersions: (source) => (byName.has(source) ? byName.get(source)!.versions !== undefined : undefined),
    upcastOf: (source, type, version) => byName.get(source)?.versions?.upcast[type]?.[version],
  };
}

/** Source folders under schemas/events/ must name a source; a source with versioned types must say where the version is. */
export function catalogProblems(schemasDir: string, catalog: EventCatalog, sourceNames: string[], sources: SourceDefinition[]): Problem[] {
  const problems: Problem[] = [];
  for (const folder of catalog.sourceFolders()) {
    if (!sourceNames.includes(folder)) {
      problems.push({ file: `${schemasDir}/events/${folder}`, line: 1, column: 1, message: `no source named "${folder}": a folder in schemas/events/ holds one source's own schemas`, hint: `known sources: ${sourceNames.join(', ') || 'none'}; shared schemas go directly in schemas/events/<type>.json` });
    }
  }
  for (const source of sources) {
    if (source.versions) continue;
    const versioned = [...catalog.typesOf(source.name)].filter((t) => catalog.versionsOf(source.name, t).length);
    if (versioned.length) {
      problems.push({ file: `${schemasDir}/events/${source.name}/${versioned[0]}`, line: 1, column: 1, message: `${versioned.join(', ')} of source "${source.name}" has versions, but the source does not say where an event carries its version`, hint: `add to sources/${source.name}.yaml: versions: { header: X-Event-Version } (or path: <dot path>, or url: true)` });
    }
  }
  return problems;
}

interface AstNode { type?: string; value?: unknown; steps?: AstNode[]; [key: string]: unknown }

/** The fields of the event body an expression reads (`event.body.data.total`), as dotted paths. */
export function unguaranteedReads(source: string): string[] {
  const found = new Set<string>();
  let ast: unknown;
  try {
    ast = compileExpression(source).ast();
  } catch {
    return []; // the expression's own problem is reported
  }
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) { node.forEach(visit); return; }
    if (!node || typeof node !== 'object') return;
    const n = node as AstNode;
    if (n.type === 'path' && Array.isArray(n.steps)) {
      const names: string[] = [];
      for (const step of n.steps) {
        if (step?.type !== 'name' || typeof step.value !== 'string') break;
        names.push(step.value);
      }
      if (names[0] === 'event' && names[1] === 'body' && names.length > 2) found.add(names.join('.'));
    }
    for (const value of Object.values(n)) if (value && typeof value === 'object') visit(value);
  };
  visit(ast);
  return [...found];
}
