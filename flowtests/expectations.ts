// Checks a case's expectations against what the run did. Each failure carries the path of the
// expectation in the test file (for file:line:col) and the expected and actual values.
import type { StepOutcome } from '../engine/contract';
import { durationMs } from '../engine/duration';
import { type Difference, difference } from './match';
import type { Expectations } from './test-file';
import type { Recording } from './test-runtime';

export interface RunSummary {
  outcome: 'completed' | 'failed' | 'not-started';
  /** Why it failed, or why it did not start. */
  message?: string;
  steps?: Record<string, StepOutcome>;
  recording?: Recording;
}

export interface ExpectationFailure {
  /** Path inside the case's `expect` (keys and indexes). */
  path: (string | number)[];
  message: string;
  expected: unknown;
  actual: unknown;
}

export function checkExpectations(expect: Expectations, run: RunSummary): ExpectationFailure[] {
  const failures: ExpectationFailure[] = [];
  const fromDifference = (at: (string | number)[], what: string, d: Difference | undefined) => {
    if (!d) return;
    const where = d.path.length ? ` at ${d.path.join('.')}` : '';
    failures.push({ path: [...at, ...d.path], message: `${what}${where}${d.note ? `: ${d.note}` : ''}`, expected: d.expected, actual: d.actual });
  };
  const rec = run.recording;
  const calls = rec?.calls ?? [];
  const ran = calls.filter((c) => !c.compensation);

  // Without an outcome given, a case expects the run to complete.
  const outcome = expect.outcome ?? 'completed';
  if (outcome !== run.outcome) {
    failures.push({ path: ['outcome'], message: `the run's outcome${run.message ? ` (${run.message})` : ''}`, expected: outcome, actual: run.outcome });
  }
  if (expect.error !== undefined && !(run.message ?? '').includes(expect.error)) {
    failures.push({ path: ['error'], message: 'the failure message does not contain the expected text', expected: expect.error, actual: run.message ?? '(the run did not fail)' });
  }
  if (expect.steps) fromDifference(['steps'], 'the steps that ran, in order', difference(expect.steps, ran.map((c) => c.label), true));
  if (expect.skipped) fromDifference(['skipped'], 'the steps skipped (if: false)', difference([...expect.skipped].sort(), [...(rec?.skipped ?? [])].sort(), true));
  if (expect.compensations) {
    const actual = calls.filter((c) => c.compensation).map((c) => c.label.replace(/\.compensate$/, ''));
    fromDifference(['compensations'], 'the compensations, in order', difference(expect.compensations, actual, true));
  }
  for (const [key, exact] of [['args', false], ['exactArgs', true]] as const) {
    for (const [label, expected] of Object.entries(expect[key] ?? {})) {
      const call = calls.find((c) => c.label === label);
      if (!call) failures.push({ path: [key, label], message: `no call ${label} was made`, expected: label, actual: calls.map((c) => c.label) });
      else fromDifference([key, label], `the arguments of ${label}`, difference(expected, call.args, exact));
    }
  }
  for (const [key, uses] of [['emails', 'email.send'], ['http', 'http.request']] as const) {
    const expected = expect[key];
    if (!expected) continue;
    const made = calls.filter((c) => c.uses === uses);
    if (made.length !== expected.length) {
      failures.push({ path: [key], message: `${expected.length} ${uses} call(s) expected, ${made.length} made${made.length ? ` (${made.map((c) => c.label).join(', ')})` : ''}`, expected, actual: made.map((c) => c.args) });
      continue;
    }
    expected.forEach((e, i) => fromDifference([key, i], `${uses} call ${made[i].label}`, difference(e, made[i].args, false)));
  }
  if (expect.result) {
    if (!run.steps) failures.push({ path: ['result'], message: 'the run has no step results (it did not complete)', expected: expect.result, actual: run.outcome });
    else fromDifference(['result'], 'the step results', difference(expect.result, run.steps, false));
  }
  if (expect.waited !== undefined && rec && durationMs(expect.waited) !== rec.clockMs) {
    failures.push({ path: ['waited'], message: 'the simulated time the run took', expected: expect.waited, actual: formatMs(rec.clockMs) });
  }
  return failures;
}

export function formatMs(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
