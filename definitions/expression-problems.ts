// What compiling each {{ … }} expression does not tell: braces that do not pair up (the
// expression is then printed as text, and the template's other mistakes hidden), and calls of
// functions JSONata does not have (`$nosuch(x)` parses, and fails only when a run evaluates it),
// and clock or random functions where the ingress would evaluate them.
// (JSONata's recovering parser was tried for several errors in one expression: after the first,
// what it reports is noise, so one expression gets one syntax error, its first.)
import { TEMPLATE_SOURCE, compileExpression } from '../engine/expressions';

const TEMPLATE = new RegExp(TEMPLATE_SOURCE, 'g');

/** JSONata 2.x's built-in functions (test/unit/expression-problems.test.ts checks them against the installed jsonata). */
export const JSONATA_FUNCTIONS: ReadonlySet<string> = new Set([
  'abs', 'append', 'assert', 'average', 'base64decode', 'base64encode', 'boolean', 'ceil', 'clone', 'contains', 'count',
  'decodeUrl', 'decodeUrlComponent', 'distinct', 'each', 'encodeUrl', 'encodeUrlComponent', 'error', 'eval', 'exists',
  'filter', 'floor', 'formatBase', 'formatInteger', 'formatNumber', 'fromMillis', 'join', 'keys', 'length', 'lookup',
  'lowercase', 'map', 'match', 'max', 'merge', 'millis', 'min', 'not', 'now', 'number', 'pad', 'parseInteger', 'power',
  'random', 'reduce', 'replace', 'reverse', 'round', 'shuffle', 'sift', 'single', 'sort', 'split', 'spread', 'sqrt',
  'string', 'substring', 'substringAfter', 'substringBefore', 'sum', 'toMillis', 'trim', 'type', 'uppercase', 'zip',
]);

/**
 * Braces of a text's {{ … }} templates that do not pair up: an unclosed "{{" or a "}}" without
 * its "{{" is printed as it is instead of being evaluated, so the expression in it is lost.
 */
export function unpairedBraces(text: string): string[] {
  const rest = text.replace(TEMPLATE, (m) => ' '.repeat(m.length));
  const problems: string[] = [];
  for (const m of rest.matchAll(/\{\{|\}\}/g)) {
    const near = JSON.stringify(text.slice(Math.max(0, m.index - 20), m.index + 22).trim());
    problems.push(m[0] === '{{' ? `template has "{{" without "}}" (at character ${m.index}, near ${near})` : `template has "}}" without "{{" (at character ${m.index}, near ${near})`);
  }
  return problems;
}

interface AstNode { type?: string; value?: unknown; procedure?: AstNode; lhs?: AstNode; arguments?: AstNode[]; [key: string]: unknown }

/** Names of functions the expression calls that are neither JSONata's nor bound in it (`$f := …`, lambda parameters). */
export function unknownFunctions(source: string): string[] {
  const { called, bound } = calls(source);
  return [...called].filter((name) => !JSONATA_FUNCTIONS.has(name) && !bound.has(name));
}

/**
 * JSONata's functions that answer differently each time they are called. A run's steps evaluate
 * them in workflow code, where Temporal makes them replay the same; the ingress evaluates its
 * expressions (trigger filter, keys, priority, fairness) with the wall clock when a delivery
 * arrives, so a retried delivery, a relay after an outage or a replay computes another value.
 */
export const CLOCK_FUNCTIONS: Readonly<Record<string, string>> = {
  now: 'use the time the event carries: event.receivedAt (when hookflow received it) or a timestamp in its body',
  millis: 'use the time the event carries: $toMillis(event.receivedAt), or a timestamp in its body',
  random: 'derive the value from the event instead, e.g. from event.id',
};

/** JSONata's clock and random functions the expression calls (not names it binds itself). */
export function clockFunctions(source: string): string[] {
  const { called, bound } = calls(source);
  return [...called].filter((name) => name in CLOCK_FUNCTIONS && !bound.has(name));
}

function calls(source: string): { called: Set<string>; bound: Set<string> } {
  const called = new Set<string>();
  const bound = new Set<string>();
  visit(compileExpression(source).ast() as AstNode, called, bound);
  return { called, bound };
}

function visit(node: unknown, called: Set<string>, bound: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) visit(n, called, bound);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as AstNode;
  if ((n.type === 'function' || n.type === 'partial') && n.procedure?.type === 'variable' && typeof n.procedure.value === 'string') called.add(n.procedure.value);
  if (n.type === 'bind' && n.lhs?.type === 'variable' && typeof n.lhs.value === 'string') bound.add(n.lhs.value);
  if (n.type === 'lambda') for (const a of n.arguments ?? []) if (typeof a.value === 'string') bound.add(a.value);
  for (const value of Object.values(n)) if (value && typeof value === 'object') visit(value, called, bound);
}
