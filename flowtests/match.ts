// Compares what a test expects with what the run did: partially (every key given must be there
// with that value) or exactly. The answer is the first difference, with the path to it, so the
// report can point at the line of the test file that holds the expected value.
import { isDeepStrictEqual } from 'node:util';

export interface Difference {
  /** Keys and indexes below the compared value, where the difference is. */
  path: (string | number)[];
  expected: unknown;
  actual: unknown;
  /** Why, when "expected X, got Y" would not say it (a missing key, a length). */
  note?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function difference(expected: unknown, actual: unknown, exact: boolean, path: (string | number)[] = []): Difference | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return { path, expected, actual };
    if (expected.length !== actual.length) return { path, expected, actual, note: `${expected.length} item(s) expected, ${actual.length} found` };
    for (let i = 0; i < expected.length; i++) {
      const d = difference(expected[i], actual[i], exact, [...path, i]);
      if (d) return d;
    }
    return undefined;
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return { path, expected, actual };
    for (const [key, value] of Object.entries(expected)) {
      if (!(key in actual) && value !== undefined) return { path: [...path, key], expected: value, actual: undefined, note: `"${key}" is missing` };
      const d = difference(value, actual[key], exact, [...path, key]);
      if (d) return d;
    }
    if (exact) {
      const extra = Object.keys(actual).find((k) => !(k in expected) && actual[k] !== undefined);
      if (extra !== undefined) return { path: [...path, extra], expected: undefined, actual: actual[extra], note: `"${extra}" is not expected` };
    }
    return undefined;
  }
  return isDeepStrictEqual(expected, actual) ? undefined : { path, expected, actual };
}

/** A value for a report line: JSON, shortened when long. */
export function shown(value: unknown): string {
  if (value === undefined) return '(nothing)';
  const text = JSON.stringify(value);
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}
