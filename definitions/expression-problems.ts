// What compiling each {{ … }} expression does not tell: braces that do not pair up (the
// expression is then printed as text, and the template's other mistakes hidden), and calls of
// functions JSONata does not have (`$nosuch(x)` parses, and fails only when a run evaluates it).
// (JSONata's recovering parser was tried for several errors in one expression: after the first,
// what it reports is noise, so one expression gets one syntax error, its first.)
import { TEMPLATE, compileExpression } from '../engine/expressions';

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
  const called = new Set<string>();
  const bound = new Set<string>();
  visit(compileExpression(source).ast() as AstNode, called, bound);
  return [...called].filter((name) => !JSONATA_FUNCTIONS.has(name) && !bound.has(name));
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
