// A source's `versions:`: where its events carry their version, and the upcasts from each version
// of a type to the next. Checked against the event catalog: an upcast needs a versioned type of
// this source, a version it has, and a next version; its expression must parse.
import { ExpressionError, compileExpression } from '../engine/expressions';
import type { EventCatalog } from './event-catalog';
import type { SourceVersions, Upcast } from './source-types';
import type { Problem, YamlFile } from './yaml-file';

export interface RawVersions { header?: string; path?: string; url?: true; default?: string; upcast?: Record<string, Record<string, string>> }

export function resolveVersions(source: string, raw: RawVersions | undefined, yaml: YamlFile, catalog: EventCatalog | undefined, problems: Problem[]): SourceVersions | undefined {
  if (!raw) return undefined;
  const where = (['header', 'path', 'url'] as const).filter((k) => raw[k] !== undefined);
  if (where.length !== 1) {
    problems.push(yaml.at(['versions'], `versions needs exactly one of "header", "path" or "url"${where.length ? ` (has ${where.join(', ')})` : ''}`, 'header: X-Event-Version, path: meta.version, or url: true for POST /webhooks/<source>/<version>'));
  }
  const upcast: SourceVersions['upcast'] = {};
  for (const [type, steps] of Object.entries(raw.upcast ?? {})) {
    const known = catalog?.versionsOf(source, type) ?? [];
    if (catalog && !known.length) {
      problems.push(yaml.at(['versions', 'upcast', type], `event type "${type}" has no versions for source "${source}"`, `add schemas/events/${source}/${type}/<version>.json, one file per version`));
      continue;
    }
    upcast[type] = {};
    for (const [from, expression] of Object.entries(steps)) {
      const at = ['versions', 'upcast', type, from];
      const i = known.indexOf(from);
      if (catalog && i < 0) { problems.push(yaml.at(at, `"${from}" is not a version of ${type} (known: ${known.join(', ')})`, 'name the version the upcast starts from; it gives the body of the next one')); continue; }
      if (catalog && i === known.length - 1) { problems.push(yaml.at(at, `"${from}" is the newest version of ${type}: there is no next version to upcast to`, 'an upcast goes from a version to the next one')); continue; }
      try {
        compileExpression(expression);
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw err;
        problems.push(yaml.at(at, err.message, 'expressions are JSONata over the older body ($): https://docs.jsonata.org'));
        continue;
      }
      const { file, line, column } = yaml.at(at, '');
      upcast[type][from] = { expression, to: known[i + 1] ?? '', at: { file, line, column } } satisfies Upcast;
    }
  }
  if (raw.default !== undefined && catalog) {
    const types = [...catalog.typesOf(source)].filter((t) => catalog.versionsOf(source, t).length);
    const without = types.filter((t) => !catalog.versionsOf(source, t).includes(raw.default!));
    if (types.length && without.length === types.length) problems.push(yaml.at(['versions', 'default'], `no versioned type of source "${source}" has a version "${raw.default}"`, `versions of ${types[0]}: ${catalog.versionsOf(source, types[0]).join(', ')}`));
  }
  return { ...(raw.header && { header: raw.header.toLowerCase() }), ...(raw.path && { path: raw.path }), ...(raw.url && { url: true as const }), ...(raw.default && { default: raw.default }), upcast };
}
