// What a reload changed, by name: flows and sources added, changed or removed, event types
// (schemas) added or removed. The reload log says this instead of "something changed".
import { createHash } from 'node:crypto';
import type { Definitions } from './definitions';

export interface NameChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

export interface DefinitionChanges {
  flows: NameChanges;
  sources: NameChanges;
  eventTypes: NameChanges;
}

/** Compares by name; a flow's version is its content hash, a source is compared by a hash of its settings. */
export function definitionChanges(before: Definitions, after: Definitions): DefinitionChanges {
  const flows = (d: Definitions) => new Map(d.flows.map((f) => [f.name, f.version]));
  // Hashed so that secret values never reach the log, not even by accident.
  const sources = (d: Definitions) => new Map([...d.sources].map(([name, s]) => [name, createHash('sha256').update(JSON.stringify(s)).digest('hex')]));
  // A validator is a compiled function: types are compared by presence only.
  const eventTypes = (d: Definitions) => new Map([...(d.events?.allTypes() ?? d.eventSchemas.keys())].map((t) => [t, '']));
  return {
    flows: compare(flows(before), flows(after)),
    sources: compare(sources(before), sources(after)),
    eventTypes: compare(eventTypes(before), eventTypes(after)),
  };
}

function compare(before: Map<string, string>, after: Map<string, string>): NameChanges {
  return {
    added: [...after.keys()].filter((k) => !before.has(k)),
    changed: [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)),
    removed: [...before.keys()].filter((k) => !after.has(k)),
  };
}

/** "flows added a; changed b; sources removed c", or "nothing changed". */
export function describeChanges(changes: DefinitionChanges): string {
  const parts: string[] = [];
  for (const [kind, c] of [['flows', changes.flows], ['sources', changes.sources], ['event types', changes.eventTypes]] as const) {
    const said = (['added', 'changed', 'removed'] as const).filter((k) => c[k].length).map((k) => `${k} ${c[k].join(', ')}`);
    if (said.length) parts.push(`${kind} ${said.join('; ')}`);
  }
  return parts.length ? parts.join(' · ') : 'nothing changed';
}
