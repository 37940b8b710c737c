// A synchronous evaluator for the few expression shapes most templates are made of: a path of
// names (`event.body.data.order_id`, steps.`ask-provider`.output), literals, unary minus, `=`
// and `!=`, `? :`, `$not()` and parentheses. JSONata evaluates asynchronously, a promise per AST node,
// and inside a Temporal worker every promise in workflow code pays the SDK's stack-trace hook:
// these shapes are the bulk of a flow's templates, so taking them off JSONata is most of the
// interpreter's cost.
// It gives JSONata's answer or NOT_FAST, never a different answer: anything it is unsure of (an
// array on the way, a value JSONata would coerce or reject) goes back to JSONata
// (test/unit/fast-expressions.test.ts compares the two on generated data).
// Pure and deterministic: runs inside workflow code. Making more shapes fast changes when
// parallel branches schedule their activities, so it needs a patch of its own, as this one has
// (FAST_EXPRESSIONS_PATCH in workflows/run-flow.ts).
import jsonata from 'jsonata';

export const NOT_FAST: unique symbol = Symbol('not fast');
type FastEval = (scope: object) => unknown;

interface AstNode {
  type: string;
  value?: unknown;
  steps?: AstNode[];
  expression?: AstNode;
  lhs?: AstNode;
  rhs?: AstNode;
  condition?: AstNode;
  then?: AstNode;
  else?: AstNode;
  expressions?: AstNode[];
  arguments?: AstNode[];
  procedure?: AstNode;
  [other: string]: unknown;
}

/** Compiled shapes by expression source; a pure function of the source, so a shared cache is safe. */
const compiled = new Map<string, FastEval | null>();
const MAX_CACHED = 5000;

/** The expression's value, or NOT_FAST when JSONata must evaluate it. Never throws. */
export function evaluateFast(source: string, scope: object): unknown {
  let fn = compiled.get(source);
  if (fn === undefined) {
    fn = compile(source);
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(source, fn);
  }
  return fn ? fn(scope) : NOT_FAST;
}

function compile(source: string): FastEval | null {
  let ast: AstNode;
  try {
    ast = jsonata(source).ast() as AstNode;
  } catch {
    return null; // JSONata reports the syntax error
  }
  return compileNode(ast);
}

/** Only these keys: a node with anything more (predicates, stages, grouping, bindings) is not fast. */
function onlyKeys(node: AstNode, keys: string[]): boolean {
  return Object.keys(node).every((k) => k === 'type' || k === 'position' || node[k] === undefined || keys.includes(k));
}

function compileNode(node: AstNode): FastEval | null {
  switch (node.type) {
    case 'path': return onlyKeys(node, ['steps']) ? compilePath(node.steps ?? []) : null;
    case 'string':
    case 'number':
    case 'value': {
      if (!onlyKeys(node, ['value'])) return null;
      const value = node.value;
      return () => value;
    }
    case 'unary': return node.value === '-' && node.expression && onlyKeys(node, ['value', 'expression']) ? compileNegation(node.expression) : null;
    case 'binary': return (node.value === '=' || node.value === '!=') && onlyKeys(node, ['value', 'lhs', 'rhs']) ? compileEquality(node) : null;
    case 'condition': return onlyKeys(node, ['condition', 'then', 'else']) ? compileCondition(node) : null;
    case 'function': return isNotCall(node) ? compileNot(node.arguments![0]) : null;
    case 'block': return onlyKeys(node, ['expressions']) && node.expressions?.length === 1 ? compileNode(node.expressions[0]) : null;
    default: return null;
  }
}

function compilePath(steps: AstNode[]): FastEval | null {
  if (steps.length === 0 || !steps.every((s) => s.type === 'name' && typeof s.value === 'string' && onlyKeys(s, ['value']))) return null;
  const names = steps.map((s) => s.value as string);
  return (scope) => {
    let current: unknown = scope;
    for (const name of names) {
      if (current === undefined) return undefined;
      if (typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean') return undefined;
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return NOT_FAST;
      if (!Object.prototype.hasOwnProperty.call(current, name)) return undefined;
      current = (current as Record<string, unknown>)[name];
    }
    // An array at the end comes back as it is (one on the way is a sequence JSONata maps over).
    return typeof current === 'function' ? NOT_FAST : current;
  };
}

function compileNegation(operand: AstNode): FastEval | null {
  const inner = compileNode(operand);
  if (!inner) return null;
  return (scope) => {
    const v = inner(scope);
    if (v === undefined) return undefined;
    return typeof v === 'number' ? -v : NOT_FAST; // JSONata's error for a non-number
  };
}

const isPrimitive = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function compileEquality(node: AstNode): FastEval | null {
  const lhs = node.lhs && compileNode(node.lhs);
  const rhs = node.rhs && compileNode(node.rhs);
  if (!lhs || !rhs) return null;
  const negate = node.value === '!=';
  return (scope) => {
    const a = lhs(scope);
    const b = rhs(scope);
    if (a === NOT_FAST || b === NOT_FAST) return NOT_FAST;
    if (a === undefined || b === undefined) return false; // JSONata: a comparison with nothing is false, both ways
    if (!isPrimitive(a) || !isPrimitive(b)) return NOT_FAST;
    return negate ? a !== b : a === b;
  };
}

/** `$not(x)`: JSONata's built-in, unless the expression binds its own (then it is not this shape). */
function isNotCall(node: AstNode): boolean {
  const p = node.procedure;
  return node.value === '(' && onlyKeys(node, ['value', 'arguments', 'procedure']) && node.arguments?.length === 1 &&
    p?.type === 'variable' && p.value === 'not' && onlyKeys(p, ['value']);
}

function compileNot(operand: AstNode): FastEval | null {
  const inner = compileNode(operand);
  if (!inner) return null;
  return (scope) => {
    const v = inner(scope);
    if (v === undefined) return undefined; // JSONata: $not of nothing is nothing
    return isPrimitive(v) ? !v : NOT_FAST;
  };
}

function compileCondition(node: AstNode): FastEval | null {
  const test = node.condition && compileNode(node.condition);
  const then = node.then && compileNode(node.then);
  const otherwise = node.else ? compileNode(node.else) : () => undefined;
  if (!test || !then || !otherwise) return null;
  return (scope) => {
    const c = test(scope);
    // JSONata's $boolean, for the values where it agrees with JavaScript's truthiness.
    if (c !== undefined && !isPrimitive(c)) return NOT_FAST;
    return c ? then(scope) : otherwise(scope);
  };
}
