// Which JSON Schema an event is checked against, by source, type and version — the one lookup of
// "type + version → schema" the ingress, `hookflow validate` and what publishes events share.
//   schemas/events/<source>/<type>/<version>.json   a source's versioned type
//   schemas/events/<source>/<type>.json             a source's own type (Discord's "2" is not Slack's)
//   schemas/events/<type>.json                      shared by every source
// Looked up in that order: a source's own schema first, then the shared one. A type with version
// files is versioned: its events must carry one of those versions (the source says where).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { UnknownEventVersionError } from '../lib/errors';
import { type EventValidator, eventSchemaCompiler } from './event-schemas';
import type { Problem } from './yaml-file';

export interface EventSchema {
  validate: EventValidator;
  /** The file, as problems and messages name it. */
  file: string;
  /** The schema's `examples`: sample bodies the upcasts are checked on (`hookflow validate`). */
  examples: unknown[];
}

export interface EventCatalog {
  /** Every type with a schema, of any source and version (metric labels, change summaries). */
  allTypes(): Set<string>;
  /** The types an event of this source has a schema for: its own and the shared ones. */
  typesOf(source: string): Set<string>;
  /** The versions of a source's type, oldest first; [] when the type is not versioned. */
  versionsOf(source: string, type: string): string[];
  /** The schema of one version (or of an unversioned type when `version` is undefined); undefined when there is none. */
  schemaOf(source: string, type: string, version?: string): EventSchema | undefined;
  /**
   * The schema an incoming event is checked against; undefined for a type without schema.
   * Throws UnknownEventVersionError (422) for a versioned type and a version it does not have.
   */
  schemaForEvent(source: string, type: string, version: string | undefined): EventSchema | undefined;
  /** Folders under schemas/events/ (source folders). */
  sourceFolders(): string[];
}

/** Oldest first: numbers inside compare as numbers (v2 before v10), dates as text. */
export function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function loadEventCatalog(dir: string): { catalog: EventCatalog; problems: Problem[] } {
  const compile = eventSchemaCompiler();
  const problems: Problem[] = [];
  const shared = new Map<string, EventSchema>();
  /** source → type → schema (unversioned). */
  const own = new Map<string, Map<string, EventSchema>>();
  /** source → type → version → schema. */
  const versioned = new Map<string, Map<string, Map<string, EventSchema>>>();
  const read = (path: string): EventSchema | undefined => {
    const file = relative(process.cwd(), path) || path;
    try {
      const schema = JSON.parse(readFileSync(path, 'utf8')) as { examples?: unknown };
      return { validate: compile(schema), file, examples: Array.isArray(schema.examples) ? schema.examples : [] };
    } catch (err) {
      problems.push({ file, line: 1, column: 1, message: `not a usable JSON Schema: ${(err as Error).message}`, hint: 'an event schema is a JSON Schema (draft-07) in a .json file' });
      return undefined;
    }
  };
  const entries = (folder: string) => readdirSync(folder).sort().map((name) => ({ name, path: join(folder, name), folder: statSync(join(folder, name)).isDirectory() }));
  if (existsSync(dir)) {
    for (const e of entries(dir)) {
      if (!e.folder) {
        if (e.name.endsWith('.json')) { const s = read(e.path); if (s) shared.set(basename(e.name, '.json'), s); }
        continue;
      }
      const types = new Map<string, EventSchema>();
      const versions = new Map<string, Map<string, EventSchema>>();
      own.set(e.name, types);
      versioned.set(e.name, versions);
      for (const t of entries(e.path)) {
        if (!t.folder) {
          if (t.name.endsWith('.json')) { const s = read(t.path); if (s) types.set(basename(t.name, '.json'), s); }
          continue;
        }
        const byVersion = new Map<string, EventSchema>();
        for (const v of entries(t.path)) {
          if (v.folder || !v.name.endsWith('.json')) continue;
          const s = read(v.path);
          if (s) byVersion.set(basename(v.name, '.json'), s);
        }
        if (byVersion.size) versions.set(t.name, byVersion);
        if (types.has(t.name) && byVersion.size) {
          problems.push({ file: relative(process.cwd(), t.path) || t.path, line: 1, column: 1, message: `type "${t.name}" of source "${e.name}" has both a schema file and version files`, hint: `keep one: ${t.name}.json (unversioned) or ${t.name}/<version>.json` });
        }
      }
    }
  }
  const versionsOf = (source: string, type: string) => [...(versioned.get(source)?.get(type)?.keys() ?? [])].sort(compareVersions);
  const schemaOf = (source: string, type: string, version?: string): EventSchema | undefined => {
    if (version !== undefined) return versioned.get(source)?.get(type)?.get(version);
    return own.get(source)?.get(type) ?? shared.get(type);
  };
  const catalog: EventCatalog = {
    allTypes: () => new Set([...shared.keys(), ...[...own.values()].flatMap((m) => [...m.keys()]), ...[...versioned.values()].flatMap((m) => [...m.keys()])]),
    typesOf: (source) => new Set([...shared.keys(), ...(own.get(source)?.keys() ?? []), ...(versioned.get(source)?.keys() ?? [])]),
    versionsOf,
    schemaOf,
    schemaForEvent(source, type, version) {
      const known = versionsOf(source, type);
      if (!known.length) return schemaOf(source, type);
      if (version === undefined) throw new UnknownEventVersionError(type, undefined, known);
      const schema = schemaOf(source, type, version);
      if (!schema) throw new UnknownEventVersionError(type, version, known);
      return schema;
    },
    sourceFolders: () => [...own.keys()],
  };
  return { catalog, problems };
}
