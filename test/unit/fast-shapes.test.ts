// Each version of the fast expression shapes is tied to its patch id (issue 13, hole 7): a run
// keeps the shapes whose marker it recorded, so what a version evaluates fast must never change.
// This pins, per patch id, which probe expressions are fast. Changing the shapes means a new
// version and a new patch id (workflows/run-flow.ts), with its own row here; never edit a row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LATEST_FAST_SHAPES, NOT_FAST, type FastShapes, evaluateFast } from '../../engine/fast-expressions';
import { FAST_EXPRESSIONS_PATCHES, LOCAL_ACTIVITIES_PATCH, NEW_RUN_PATCH, SHAPES_3_LOCAL_STEPS_PATCH } from '../../workflows/run-flow';

const scope = { a: { b: 'x', n: 5 }, flag: true, n: 5, steps: { 'ask-provider': { output: 'paid' } } };

/** Probes, each with the patch ids under which it is fast. */
const PROBES: Record<string, string[]> = {
  'a.b': ['hookflow-fast-expressions', 'hookflow-fast-expressions-2', 'hookflow-fast-expressions-3'],
  'steps.`ask-provider`.output': ['hookflow-fast-expressions', 'hookflow-fast-expressions-2', 'hookflow-fast-expressions-3'],
  "'text'": ['hookflow-fast-expressions', 'hookflow-fast-expressions-2', 'hookflow-fast-expressions-3'],
  '-n': ['hookflow-fast-expressions', 'hookflow-fast-expressions-2', 'hookflow-fast-expressions-3'],
  "a.b = 'x'": ['hookflow-fast-expressions', 'hookflow-fast-expressions-2', 'hookflow-fast-expressions-3'],
  'a.n != 5': ['hookflow-fast-expressions', 'hookflow-fast-expressions-2', 'hookflow-fast-expressions-3'],
  "flag ? a.b : 'y'": ['hookflow-fast-expressions', 'hookflow-fast-expressions-2', 'hookflow-fast-expressions-3'],
  'flag ? n': ['hookflow-fast-expressions', 'hookflow-fast-expressions-2', 'hookflow-fast-expressions-3'],
  '(a.b)': ['hookflow-fast-expressions', 'hookflow-fast-expressions-2', 'hookflow-fast-expressions-3'],
  '$not(flag)': ['hookflow-fast-expressions-2', 'hookflow-fast-expressions-3'],
  "$not(a.b = 'x')": ['hookflow-fast-expressions-2', 'hookflow-fast-expressions-3'],
  'flag ? $not(flag) : n': ['hookflow-fast-expressions-2', 'hookflow-fast-expressions-3'],
  'n / 100': ['hookflow-fast-expressions-3'],
  'a.n * 2 + n - 1': ['hookflow-fast-expressions-3'],
  "$formatNumber(n / 100, '#0.00')": ['hookflow-fast-expressions-3'],
  "$formatNumber(n, '000')": ['hookflow-fast-expressions-3'],
  "$formatNumber(n, '#,##0.00')": [],
  "$formatNumber(n, '#0.0#')": [],
  "$formatNumber(n, '#0.00', {'decimal-separator': ','})": [],
  'n % 2': [],
  'n > 1': [],
  "$not(flag, 'extra')": [],
  '$string(n)': [],
  'a[0]': [],
  '(-n)[0]': [],
  'a.b & a.b': [],
  '(n; flag)': [],
};

const versions = Object.keys(FAST_EXPRESSIONS_PATCHES).map(Number) as FastShapes[];

test('every version of the fast shapes has its own patch id, the first one the original marker', () => {
  assert.equal(FAST_EXPRESSIONS_PATCHES[1], 'hookflow-fast-expressions', 'runs in flight recorded this marker: it keeps its name');
  assert.equal(new Set(Object.values(FAST_EXPRESSIONS_PATCHES)).size, versions.length);
  assert.equal(Math.max(...versions), LATEST_FAST_SHAPES, 'the latest shapes have a patch id');
});

test('the set of fast shapes of each patch id stays what it was', () => {
  for (const version of versions) {
    const patch = FAST_EXPRESSIONS_PATCHES[version];
    const fast = Object.keys(PROBES).filter((source) => evaluateFast(source, scope, version) !== NOT_FAST);
    const pinned = Object.keys(PROBES).filter((source) => PROBES[source].includes(patch));
    assert.deepEqual(fast, pinned, `${patch}: the shapes it admits changed; add a version with a new patch id instead`);
  }
});

test('the one patch id of a new run keeps what it stands for: fast shapes 3, short steps local, the run guards', () => {
  // Runs in flight recorded this id; what it means is fixed. A new shapes version or default gets a new id.
  assert.deepEqual(NEW_RUN_PATCH, { id: 'hookflow-run-guards', fastShapes: 3, localSteps: true, guards: true });
  assert.equal(NEW_RUN_PATCH.fastShapes, LATEST_FAST_SHAPES, 'new runs start with the latest shapes');
  // The id before it (fast shapes 3 and local steps, no guards) still replays the runs that recorded it.
  assert.equal(SHAPES_3_LOCAL_STEPS_PATCH, 'hookflow-fast-shapes-3-local-steps');
  assert.ok(![...Object.values(FAST_EXPRESSIONS_PATCHES), LOCAL_ACTIVITIES_PATCH, SHAPES_3_LOCAL_STEPS_PATCH].includes(NEW_RUN_PATCH.id), 'an id of its own');
});
