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
// version has its own patch id (FAST_EXPRESSIONS_PATCHES in workflows/run-flow.ts; new runs record
// NEW_RUN_PATCH there, which names the latest version), a run keeps the version it started with,
// and test/unit/fast-shapes.test.ts pins what each version admits.
// To change the shapes, add a version; never edit one that runs may have recorded.
import jsonata from 'jsonata';

/** The versions of the fast shapes, oldest first. */
export type FastShapes = 1 | 2 | 3;
export const LATEST_FAST_SHAPES: FastShapes = 3;

interface ShapeRules {
  /** `$not(x)`. */
  notCall: boolean;
  /** AST keys that are present but undefined count as absent (JSONata leaves some, e.g. `else`). */
  undefinedKeysAbsent: boolean;
  /** A unary minus node with any key beyond its operand is not fast. */
  unaryKeysChecked: boolean;
  /** `+ - * /` on numbers. */
  arithmetic: boolean;
  /** `$formatNumber(x, '#0.00')`: a literal picture of `#`s, `0`s and one optional `.` followed by `0`s. */
  formatNumber: boolean;
}

const RULES: Record<FastShapes, ShapeRules> = {
  // The first patch (commit d3e985f): paths, literals, unary minus, = and !=, ? :, parentheses.
  1: { notCall: false, undefinedKeysAbsent: false, unaryKeysChecked: false, arithmetic: false, formatNumber: false },
  // Commits 77ff714 and c1472d2: unary keys checked, $not(), present-but-undefined keys.
  2: { notCall: true, undefinedKeysAbsent: true, unaryKeysChecked: true, arithmetic: false, formatNumber: false },
  // Arithmetic and simple $formatNumber: the payment email's amount.
  3: { notCall: true, undefinedKeysAbsent: true, unaryKeysChecked: true, arithmetic: true, formatNumber: true },
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
      case 'binary': {
        if (!this.onlyKeys(node, ['value', 'lhs', 'rhs'])) return null;
        if (node.value === '=' || node.value === '!=') return this.equality(node);
        return this.rules.arithmetic && ARITHMETIC.has(node.value as string) ? this.arithmetic(node) : null;
      }
      case 'condition': return this.onlyKeys(node, ['condition', 'then', 'else']) ? this.condition(node) : null;
      case 'function': {
        if (this.rules.notCall && this.isNotCall(node)) return this.not(node.arguments![0]);
        return this.rules.formatNumber ? this.formatNumber(node) : null;
      }
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

  /** JSONata's numeric operators: numbers only (anything else is its error), nothing in gives nothing out. */
  private arithmetic(node: AstNode): FastEval | null {
    const lhs = node.lhs && this.node(node.lhs);
    const rhs = node.rhs && this.node(node.rhs);
    if (!lhs || !rhs) return null;
    const op = node.value as string;
    return (scope) => {
      const a = lhs(scope);
      const b = rhs(scope);
      if (a === NOT_FAST || b === NOT_FAST) return NOT_FAST;
      if ((a !== undefined && !isFiniteNumber(a)) || (b !== undefined && !isFiniteNumber(b))) return NOT_FAST;
      if (a === undefined || b === undefined) return undefined;
      const result = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
      return Number.isFinite(result) ? result : NOT_FAST; // out of range: JSONata's error
    };
  }

  /** `$formatNumber(number, 'picture')` with a picture formatPicture understands, else not this shape. */
  private formatNumber(node: AstNode): FastEval | null {
    const p = node.procedure;
    const args = node.arguments ?? [];
    if (node.value !== '(' || !this.onlyKeys(node, ['value', 'arguments', 'procedure']) || args.length !== 2) return null;
    if (p?.type !== 'variable' || p.value !== 'formatNumber' || !this.onlyKeys(p, ['value'])) return null;
    if (args[1].type !== 'string' || !this.onlyKeys(args[1], ['value'])) return null;
    const picture = simplePicture(args[1].value as string);
    const value = picture && this.node(args[0]);
    if (!picture || !value) return null;
    return (scope) => {
      const v = value(scope);
      if (v === undefined || v === NOT_FAST) return v; // JSONata: $formatNumber of nothing is nothing
      return isFiniteNumber(v) && Math.abs(v) < MAX_FORMATTED ? formatSimple(v, picture) : NOT_FAST;
    };
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

const ARITHMETIC = new Set(['+', '-', '*', '/']);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Beyond this, toFixed (which JSONata's $formatNumber uses) switches to exponents: JSONata's business. */
const MAX_FORMATTED = 1e15;

interface SimplePicture {
  minIntegerDigits: number;
  fractionDigits: number;
  hasPoint: boolean;
}

/** `#0.00`, `0`, `##00.000`: optional `#`s, at least one `0`, then `.` and `0`s; anything else is not simple. */
function simplePicture(picture: string): SimplePicture | null {
  const m = /^#*(0+)(?:\.(0+))?$/.exec(picture);
  return m ? { minIntegerDigits: m[1].length, fractionDigits: m[2]?.length ?? 0, hasPoint: m[2] !== undefined } : null;
}

/** JSONata's $formatNumber for a simple picture: its half-even rounding, its padding, its sign. */
function formatSimple(value: number, pic: SimplePicture): string {
  let text = Math.abs(roundHalfEven(value, pic.fractionDigits)).toFixed(pic.fractionDigits);
  if (!text.includes('.')) text += '.';
  text = text.replace(/^0+/, '').replace(/0+$/, '');
  const point = text.indexOf('.');
  text = '0'.repeat(Math.max(0, pic.minIntegerDigits - point)) + text + '0'.repeat(Math.max(0, pic.fractionDigits - (text.length - point - 1)));
  if (!pic.hasPoint || text.endsWith('.')) text = text.slice(0, -1);
  return (value >= 0 ? '' : '-') + text;
}

/** JSONata's round(): the decimal point shifted in the number's text, ties to even, no -0. */
function roundHalfEven(arg: number, precision: number): number {
  let shifted = arg;
  if (precision) {
    const [m, e] = arg.toString().split('e');
    shifted = +(m + 'e' + (e ? +e + precision : precision));
  }
  let result = Math.round(shifted);
  if (Math.abs(result - shifted) === 0.5 && Math.abs(result % 2) === 1) result -= 1;
  if (precision) {
    const [m, e] = result.toString().split('e');
    result = +(m + 'e' + (e ? +e - precision : -precision));
  }
  return Object.is(result, -0) ? 0 : result;
}

const isPrimitive = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
