// The flow expression language: JSONata, evaluated with a deterministic budget so a runaway
// expression fails cleanly instead of hanging a worker. Pure: runs inside workflow code too.
// `fast` (default on: the latest shapes; or a version of them) first tries the synchronous
// evaluator of fast-expressions.ts, with the shapes of the version the run started with. Off, the
// evaluation is exactly what it was before that evaluator existed, promise for promise: runs
// started before it replay that way (workflows/run-flow.ts), since the order in which
// parallel branches schedule their activities depends on it.
import jsonata from 'jsonata';
import { type FastShapes, LATEST_FAST_SHAPES, NOT_FAST, evaluateFast } from './fast-expressions';
import { nativeGuards, unsafeRegexes } from './expression-bounds';

/** Whether (and with which shapes) simple expressions are evaluated synchronously; `true` is the latest shapes. */
export type FastOption = boolean | FastShapes;
const shapesOf = (fast: FastOption): FastShapes => (fast === true ? LATEST_FAST_SHAPES : (fast as FastShapes));

/** Evaluations (AST nodes visited) allowed for one expression; deterministic, unlike a wall-clock limit. */
const EVALUATION_BUDGET = 200_000;
const MAX_DEPTH = 200;
/** A {{ … }} template in a text; group 1 is its expression. */
export const TEMPLATE = /\{\{([\s\S]+?)\}\}/g;
const WHOLE_TEMPLATE = /^\s*\{\{([\s\S]+?)\}\}\s*$/;

export class ExpressionError extends Error {
  constructor(readonly expression: string, message: string) {
    super(`expression "${expression.trim()}": ${message}`);
    this.name = 'ExpressionError';
  }
}

function describe(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

/**
 * Compiles an expression, throwing ExpressionError with JSONata's message when it does not parse.
 * `bounded` (the loader, the ingress, runs with the run guards) also refuses regexes that can
 * backtrack exponentially (engine/expression-bounds.ts).
 */
export function compileExpression(source: string, bounded = true): jsonata.Expression {
  let expr: jsonata.Expression;
  try {
    expr = jsonata(source, { stack: MAX_DEPTH });
  } catch (err) {
    throw new ExpressionError(source, describe(err));
  }
  const unsafe = bounded ? unsafeRegexes(expr.ast()) : [];
  if (unsafe.length) throw new ExpressionError(source, unsafe[0]);
  return expr;
}

/** `bounded`: sizes and natives limited as well as steps (engine/expression-bounds.ts); runs started before the run guards replay without. */
export async function evaluateExpression(source: string, scope: object, fast: FastOption = true, bounded = true): Promise<unknown> {
  if (fast) {
    const value = evaluateFast(source, scope, shapesOf(fast));
    if (value !== NOT_FAST) return value;
  }
  const expr = compileExpression(source, bounded);
  let visited = 0;
  const entry = Symbol.for('jsonata.__evaluate_entry') as unknown as string;
  const guards = bounded ? nativeGuards((message) => { throw new ExpressionError(source, message); }) : undefined;
  expr.assign(entry, (node: never) => {
    if (++visited > EVALUATION_BUDGET) throw new ExpressionError(source, `exceeded the budget of ${EVALUATION_BUDGET} evaluation steps`);
    guards?.entry(node);
  });
  if (guards) expr.assign(Symbol.for('jsonata.__evaluate_exit') as unknown as string, (node: never, _input: unknown, _env: unknown, result: unknown) => guards.exit(node, result));
  try {
    return await expr.evaluate(scope);
  } catch (err) {
    if (err instanceof ExpressionError) throw err;
    throw new ExpressionError(source, describe(err));
  }
}

/** The {{ … }} expressions inside a string, in order. */
export function templateExpressions(text: string): string[] {
  return [...text.matchAll(TEMPLATE)].map((m) => m[1]);
}

/**
 * Renders a value whose strings may contain {{ expression }} templates. A string that is one
 * whole template keeps the expression's type (number, object, array); otherwise results are
 * interpolated as text.
 */
export async function renderTemplate(value: unknown, scope: object, fast: FastOption = true, bounded = true): Promise<unknown> {
  if (fast) {
    const rendered = renderFast(value, scope, shapesOf(fast));
    if (rendered !== NOT_FAST) return rendered;
  }
  if (typeof value === 'string') return renderString(value, scope, fast, bounded);
  if (Array.isArray(value)) return Promise.all(value.map((v) => renderTemplate(v, scope, fast, bounded)));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await renderTemplate(v, scope, fast, bounded);
    return out;
  }
  return value;
}

async function renderString(text: string, scope: object, fast: FastOption, bounded: boolean): Promise<unknown> {
  const whole = wholeTemplate(text);
  if (whole !== undefined) return normalize(await evaluateExpression(whole, scope, fast, bounded));
  const parts = templateExpressions(text);
  if (parts.length === 0) return text;
  return interpolate(text, await Promise.all(parts.map((p) => evaluateExpression(p, scope, fast, bounded))));
}

/**
 * A text whose every {{ … }} value is interpolated as encoded text, a whole template included
 * (http.request's path: a value cannot add a segment, a host or a query).
 */
export async function renderEncoded(text: string, scope: object, fast: FastOption, encode: (text: string) => string): Promise<string> {
  const parts = templateExpressions(text);
  if (parts.length === 0) return text;
  const values = await Promise.all(parts.map((p) => evaluateExpression(p, scope, fast, true)));
  return interpolate(text, values, encode);
}

function interpolate(text: string, values: unknown[], encode: (text: string) => string = (t) => t): string {
  let i = 0;
  return text.replace(TEMPLATE, () => encode(asText(values[i++])));
}

/** renderTemplate without a single promise, or NOT_FAST when a template needs JSONata. */
function renderFast(value: unknown, scope: object, shapes: FastShapes): unknown {
  if (typeof value === 'string') {
    const parts = templateExpressions(value);
    if (parts.length === 0) return value;
    const values = parts.map((p) => evaluateFast(p, scope, shapes));
    if (values.includes(NOT_FAST)) return NOT_FAST;
    return wholeTemplate(value) !== undefined ? normalize(values[0]) : interpolate(value, values);
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
    for (const [k, v] of Object.entries(value)) {
      const rendered = renderFast(v, scope, shapes);
      if (rendered === NOT_FAST) return NOT_FAST;
      (out as Record<string, unknown>)[k] = rendered;
    }
    return out;
  }
  return value;
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** JSONata returns sequences (arrays with extra flags); turn them into plain JSON values. */
function normalize(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/** `if:` and `forEach:` take a bare expression; a {{ … }} wrapper is tolerated. */
export function unwrapExpression(source: string): string {
  return wholeTemplate(source) ?? source;
}

/** The expression of a string that is one {{ … }} template and nothing else; undefined otherwise. */
export function wholeTemplate(text: string): string | undefined {
  const whole = WHOLE_TEMPLATE.exec(text);
  return whole && templateExpressions(text).length === 1 ? whole[1] : undefined;
}

/** Truthiness as in JavaScript; undefined (nothing matched) is false. */
export async function evaluateCondition(source: string, scope: object, fast: FastOption = true, bounded = true): Promise<boolean> {
  return Boolean(await evaluateExpression(unwrapExpression(source), scope, fast, bounded));
}
