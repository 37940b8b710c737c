// A synchronous evaluator for the few expression shapes most templates are made of: a path of
// names (`event.body.data.order_id`, steps.`ask-provider`.output), literals, unary minus, `=`
// and `!=`, `? :`, `$not()` and parentheses. JSONata evaluates asynchronously, a promise per AST node,
// and inside a Temporal worker every promise in workflow code pays the SDK's stack-trace hook:
// these shapes are the bulk of a flow's templates, so taking them off JSONata is most of the
// interpreter's cost.
// It gives JSONata's answer or NOT_FAST, never a different answer: anything it is unsure of (an
// array on the way, a value JSONata would coerce or reject) goes back to JSONata
// (test/unit/fast-expressions.test.ts compares the two on generated data).
// Pure and deterministic: runs inside workflow code. Making more (or fewer) shapes fast changes
// when parallel branches schedule their activities, so the admitted shapes are versioned: each
// version has its own patch id (FAST_EXPRESSIONS_PATCHES in workflows/run-flow.ts), a run keeps
// the version it started with, and test/unit/fast-shapes.test.ts pins what each version admits.
// To change the shapes, add a version; never edit one that runs may have recorded.
import jsonata from 'jsonata';

/** The versions of the fast shapes, oldest first. */
export type FastShapes = 1 | 2;
export const LATEST_FAST_SHAPES: FastShapes = 2;

interface ShapeRules {
  /** `$not(x)`. */
  notCall: boolean;
  /** AST keys that are present but undefined count as absent (JSONata leaves some, e.g. `else`). */
  undefinedKeysAbsent: boolean;
  /** A unary minus node with any key beyond its operand is not fast. */
  unaryKeysChecked: boolean;
}

const RULES: Record<FastShapes, ShapeRules> = {
  // The first patch (commit d3e985f): paths, literals, unary minus, = and !=, ? :, parentheses.
  1: { notCall: false, undefinedKeysAbsent: false, unaryKeysChecked: false },
  // Commits 77ff714 and c1472d2: unary keys checked, $not(), present-but-undefined keys.
  2: { notCall: true, undefinedKeysAbsent: true, unaryKeysChecked: true },
};

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

/** Compiled shapes by version and expression source; a pure function of both, so a shared cache is safe. */
const compiled = new Map<string, FastEval | null>();
const MAX_CACHED = 5000;

/** How many expressions are compiled: it only grows across runs when the worker preloads this module. */
export const compiledExpressionCount = (): number => compiled.size;

/** The expression's value, or NOT_FAST when JSONata must evaluate it. Never throws. */
export function evaluateFast(source: string, scope: object, shapes: FastShapes = LATEST_FAST_SHAPES): unknown {
  const cacheKey = `${shapes}:${source}`;
  let fn = compiled.get(cacheKey);
  if (fn === undefined) {
    fn = compile(source, RULES[shapes]);
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(cacheKey, fn);
  }
  return fn ? fn(scope) : NOT_FAST;
}

function compile(source: string, rules: ShapeRules): FastEval | null {
  let ast: AstNode;
  try {
    ast = jsonata(source).ast() as AstNode;
  } catch {
    return null; // JSONata reports the syntax error
  }
  return new Compiler(rules).node(ast);
}

/** Compiles the shapes one version admits; anything else is null (JSONata evaluates it). */
class Compiler {
  constructor(private readonly rules: ShapeRules) {}

  /** Only these keys: a node with anything more (predicates, stages, grouping, bindings) is not fast. */
  private onlyKeys(node: AstNode, keys: string[]): boolean {
    return Object.keys(node).every((k) => k === 'type' || k === 'position' || (this.rules.undefinedKeysAbsent && node[k] === undefined) || keys.includes(k));
  }

  node(node: AstNode): FastEval | null {
    switch (node.type) {
      case 'path': return this.onlyKeys(node, ['steps']) ? this.path(node.steps ?? []) : null;
      case 'string':
      case 'number':
      case 'value': {
        if (!this.onlyKeys(node, ['value'])) return null;
        const value = node.value;
        return () => value;
      }
      case 'unary': return node.value === '-' && node.expression && (!this.rules.unaryKeysChecked || this.onlyKeys(node, ['value', 'expression'])) ? this.negation(node.expression) : null;
      case 'binary': return (node.value === '=' || node.value === '!=') && this.onlyKeys(node, ['value', 'lhs', 'rhs']) ? this.equality(node) : null;
      case 'condition': return this.onlyKeys(node, ['condition', 'then', 'else']) ? this.condition(node) : null;
      case 'function': return this.rules.notCall && this.isNotCall(node) ? this.not(node.arguments![0]) : null;
      case 'block': return this.onlyKeys(node, ['expressions']) && node.expressions?.length === 1 ? this.node(node.expressions[0]) : null;
      default: return null;
    }
  }

  private path(steps: AstNode[]): FastEval | null {
    if (steps.length === 0 || !steps.every((s) => s.type === 'name' && typeof s.value === 'string' && this.onlyKeys(s, ['value']))) return null;
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

  private negation(operand: AstNode): FastEval | null {
    const inner = this.node(operand);
    if (!inner) return null;
    return (scope) => {
      const v = inner(scope);
      if (v === undefined) return undefined;
      return typeof v === 'number' ? -v : NOT_FAST; // JSONata's error for a non-number
    };
  }

  private equality(node: AstNode): FastEval | null {
    const lhs = node.lhs && this.node(node.lhs);
    const rhs = node.rhs && this.node(node.rhs);
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
  private isNotCall(node: AstNode): boolean {
    const p = node.procedure;
    return node.value === '(' && this.onlyKeys(node, ['value', 'arguments', 'procedure']) && node.arguments?.length === 1 &&
      p?.type === 'variable' && p.value === 'not' && this.onlyKeys(p, ['value']);
  }

  private not(operand: AstNode): FastEval | null {
    const inner = this.node(operand);
    if (!inner) return null;
    return (scope) => {
      const v = inner(scope);
      if (v === undefined) return undefined; // JSONata: $not of nothing is nothing
      return isPrimitive(v) ? !v : NOT_FAST;
    };
  }

  private condition(node: AstNode): FastEval | null {
    const test = node.condition && this.node(node.condition);
    const then = node.then && this.node(node.then);
    const otherwise = node.else ? this.node(node.else) : () => undefined;
    if (!test || !then || !otherwise) return null;
    return (scope) => {
      const c = test(scope);
      // JSONata's $boolean, for the values where it agrees with JavaScript's truthiness.
      if (c !== undefined && !isPrimitive(c)) return NOT_FAST;
      return c ? then(scope) : otherwise(scope);
    };
  }
}

const isPrimitive = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
