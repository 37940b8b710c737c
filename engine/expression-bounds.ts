// Bounds on what one JSONata evaluation may build, for runs with the run guards and for the
// loader: the step budget (expressions.ts) counts AST nodes, but one native call can do a lot in
// one node ($pad("", 5e7) built 50 MB in 9 s; a regex with nested quantifiers backtracks
// exponentially). Everything here is a pure function of the expression and its input, so a
// replay refuses exactly what the first run refused. Pure: runs inside workflow code.
/** Longest string one evaluation step may produce (characters). */
export const MAX_STRING_LENGTH = 1_000_000;
/** Most items an array (or JSONata sequence) one evaluation step produces may hold. */
export const MAX_SEQUENCE_LENGTH = 10_000;
/** Characters one whole evaluation may build (strings that calls and operators give, not data read): 10 000 $pad calls of 999 999 would be 10 GB. */
export const MAX_BUILT_CHARACTERS = 10 * MAX_STRING_LENGTH;
/** Nodes whose string results are built by the evaluation (a path only reads what is there). */
const BUILDING_NODES: ReadonlySet<string> = new Set(['function', 'binary', 'apply', 'partial']);

/** Why a regex literal is refused, or undefined. Catastrophic backtracking needs one of these shapes. */
export function unsafeRegex(source: string): string | undefined {
  // Per open group: whether it holds a repetition or an alternation.
  const groups: { repeats: boolean; alternates: boolean }[] = [];
  let lastGroup: { repeats: boolean; alternates: boolean } | undefined;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    const repeating = c === '*' || c === '+' || (c === '{' && /^\{\d+,\d*\}/.test(source.slice(i)) && !/^\{(\d+),\1?\}/.test(source.slice(i)) && !/^\{[01],?1?\}/.test(source.slice(i)));
    if (c === '\\') {
      if (/[1-9k]/.test(source[i + 1] ?? '')) return 'a back-reference';
      i++;
      lastGroup = undefined;
      continue;
    }
    if (c === '[') {
      // A character class: skip to its end (escapes included).
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
      lastGroup = undefined;
      continue;
    }
    if (c === '(') {
      groups.push({ repeats: false, alternates: false });
      lastGroup = undefined;
      continue;
    }
    if (c === ')') {
      lastGroup = groups.pop();
      // A group's repetitions count for the groups around it.
      if (lastGroup && groups.length) {
        groups[groups.length - 1].repeats ||= lastGroup.repeats;
        groups[groups.length - 1].alternates ||= lastGroup.alternates;
      }
      continue;
    }
    if (c === '|' && groups.length) groups[groups.length - 1].alternates = true;
    if (repeating) {
      if (lastGroup?.repeats) return 'a repetition of a group that repeats (nested quantifiers, e.g. (a+)+)';
      if (lastGroup?.alternates) return 'a repetition of a group with alternatives (e.g. (a|aa)*)';
      if (groups.length) groups[groups.length - 1].repeats = true;
    }
    lastGroup = undefined;
  }
  return undefined;
}

interface Node { type?: string; value?: unknown; [key: string]: unknown }

/** The unsafe regex literals of an expression's AST, with the reason for each. */
export function unsafeRegexes(ast: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (n.type === 'regex' && n.value instanceof RegExp) {
      const why = unsafeRegex(n.value.source);
      if (why) found.push(`regex /${n.value.source}/ has ${why}, which can take exponential time; write it without`);
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'value' || n.type !== 'regex') visit(v);
  };
  visit(ast);
  return found;
}

/** What a value produced by one step is not allowed to be, or undefined. */
export function oversized(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > MAX_STRING_LENGTH) return `a string of ${value.length} characters (at most ${MAX_STRING_LENGTH})`;
  if (Array.isArray(value) && value.length > MAX_SEQUENCE_LENGTH) return `${value.length} items (at most ${MAX_SEQUENCE_LENGTH})`;
  return undefined;
}

type Check = (args: unknown[]) => string | undefined;

/**
 * Natives whose output size an argument chooses, checked once their arguments are known and
 * before they run: $pad's width, $replace's growth (its matches counted first).
 */
export const CHECKED_NATIVES: Readonly<Record<string, Check>> = {
  pad: ([str, width]) => (typeof str === 'string' && typeof width === 'number' && Math.abs(width) > MAX_STRING_LENGTH ? `$pad to ${width} characters (at most ${MAX_STRING_LENGTH})` : undefined),
  replace: ([str, pattern, replacement, limit]) => {
    if (typeof str !== 'string' || typeof replacement !== 'string') return undefined;
    const max = typeof limit === 'number' && limit >= 0 ? limit : Infinity;
    const { count, longest } = matches(str, pattern, max);
    const dollars = replacement.split('$').length - 1;
    const bound = str.length + count * (replacement.length + dollars * longest);
    return bound > MAX_STRING_LENGTH ? `$replace that can produce ${bound} characters (at most ${MAX_STRING_LENGTH})` : undefined;
  },
};

type RegexMatcher = ((str: string, from?: number) => { match: string; next(): ReturnType<RegexMatcher> } | undefined);

/** How many times a pattern (a string, or JSONata's regex closure) matches, up to max, and the longest match. */
function matches(str: string, pattern: unknown, max: number): { count: number; longest: number } {
  let count = 0;
  let longest = 0;
  if (typeof pattern === 'string') {
    if (!pattern) return { count: 0, longest: 0 }; // JSONata refuses an empty pattern
    for (let at = str.indexOf(pattern); at !== -1 && count < max; at = str.indexOf(pattern, at + pattern.length)) count++;
    return { count, longest: pattern.length };
  }
  if (typeof pattern !== 'function') return { count: 0, longest: 0 };
  try {
    for (let m = (pattern as RegexMatcher)(str); m && count < max; m = m.next()) {
      count++;
      longest = Math.max(longest, m.match.length);
    }
  } catch {
    // A zero-length match: JSONata's own $replace reports it.
  }
  return { count, longest };
}

interface CallNode { type: string; value?: unknown; procedure?: { type?: string; value?: unknown }; arguments?: unknown[] }

/**
 * The exit hook of a bounded evaluation: refuses an oversized result, and runs the check of a
 * CHECKED_NATIVES call when its last argument is evaluated. `entry` records those calls.
 */
export function nativeGuards(fail: (message: string) => never) {
  const open: { node: CallNode; check: Check; args: unknown[] }[] = [];
  let built = 0;
  return {
    entry(node: CallNode): void {
      const name = node.type === 'function' && node.procedure?.type === 'variable' ? node.procedure.value : undefined;
      const check = typeof name === 'string' && Object.prototype.hasOwnProperty.call(CHECKED_NATIVES, name) ? CHECKED_NATIVES[name] : undefined;
      if (check) open.push({ node, check, args: [] });
    },
    exit(node: CallNode, produced: unknown): void {
      // A path gives a sequence, which JSONata unwraps to its one item after this hook.
      const result = Array.isArray(produced) && produced.length === 1 ? produced[0] : produced;
      const why = oversized(result);
      if (why) fail(`produced ${why}`);
      if (typeof result === 'string' && BUILDING_NODES.has(node.type)) {
        built += result.length;
        if (built > MAX_BUILT_CHARACTERS) fail(`built more than ${MAX_BUILT_CHARACTERS} characters in all`);
      }
      const top = open.at(-1);
      if (!top) return;
      if (node === top.node) {
        open.pop();
        return;
      }
      const args = top.node.arguments ?? [];
      const k = args.indexOf(node);
      if (k === -1) return;
      top.args[k] = result;
      if (k === args.length - 1) {
        const refused = top.check(top.args);
        if (refused) fail(refused);
      }
    },
  };
}
