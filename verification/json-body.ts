// Turns raw bytes into a JSON value, refusing what could hurt later: invalid UTF-8,
// nesting deeper than a limit (checked before parsing), and prototype-polluting keys.
import { MalformedBodyError } from '../lib/errors';

export const MAX_JSON_DEPTH = 64;
const decoder = new TextDecoder('utf-8', { fatal: true });

export function parseJsonBody(raw: Buffer): unknown {
  let text: string;
  try {
    text = decoder.decode(raw);
  } catch {
    throw new MalformedBodyError('body is not valid UTF-8');
  }
  if (nestingDepth(text) > MAX_JSON_DEPTH) throw new MalformedBodyError(`JSON nesting is deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text, (key, value) => {
      if (key === '__proto__') throw new MalformedBodyError('key "__proto__" is not allowed');
      return value;
    });
  } catch (err) {
    if (err instanceof MalformedBodyError) throw err;
    throw new MalformedBodyError(`body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Deepest [ or { nesting outside strings; a linear scan, cheap next to parsing. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** Reads a value at a dot path ("data.object.id"); own properties only. */
export function valueAt(body: unknown, path: string): unknown {
  let current: unknown = body;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
