// What runs with the run guards (workflows/run-flow.ts NEW_RUN_PATCH) check in workflow code,
// beside bounded expressions and secret references (expression-bounds.ts, secret-refs.ts):
// forEach's item cap, http.request path values encoded, and MongoDB operators that came from data
// kept out of filters. Pure: runs inside workflow code.
import { wholeTemplate } from './expressions';

/** forEach: items a step takes unless it says `maxItems:`, and the most it may say (schemas/flow.schema.json). */
export const FOREACH_DEFAULT_MAX_ITEMS = 100;
export const FOREACH_HARD_MAX_ITEMS = 1000;

/** The activities whose `filter` reaches MongoDB's query language. */
export const FILTERING_ACTIVITIES: ReadonlySet<string> = new Set(['mongo.updateOne', 'mongo.findOneAndUpdate', 'mongo.find']);
/** The argument by which a step lets a templated filter value carry operators ($ne, $in…). */
export const OPERATORS_FROM_DATA = 'operatorsFromData';

/**
 * A value interpolated into a path: percent-encoded as a URI component, `!'()*` included, so it
 * cannot add a segment (`/`), a query (`?`), a fragment or credentials (`@`). A value that is `.`
 * or `..` stays visible and http.request refuses the path (activities/http-target.ts).
 */
export function encodePathValue(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The first place where a whole template of a filter gave an object with a `$` key (an operator
 * the data chose: `{"$ne": null}` matches every document), as a path; undefined when none.
 */
export function operatorFromData(written: unknown, rendered: unknown, path: (string | number)[] = []): { path: (string | number)[]; template: string } | undefined {
  if (typeof written === 'string') {
    const template = wholeTemplate(written);
    return template !== undefined && hasOperatorKey(rendered) ? { path, template } : undefined;
  }
  if (!written || typeof written !== 'object' || !rendered || typeof rendered !== 'object') return undefined;
  for (const [k, v] of Object.entries(written)) {
    const found = operatorFromData(v, (rendered as Record<string, unknown>)[k], [...path, k]);
    if (found) return found;
  }
  return undefined;
}

function hasOperatorKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasOperatorKey);
  if (!value || typeof value !== 'object') return false;
  return Object.entries(value).some(([k, v]) => k.startsWith('$') || hasOperatorKey(v));
}
