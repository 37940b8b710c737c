// Debounce and batch in the flow language: mistakes reported at their positions with hints,
// including those the schema cannot see (timeout shorter than period, zero durations, controls
// that do not combine), and what a batch flow's expressions see as `events`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { executeFlow } from '../../engine/interpreter';
import type { StepRuntime } from '../../engine/run-context';
import type { FlowDefinition, FlowEvent } from '../../engine/types';
import { ROOT } from '../helpers/paths';
import { type ExpectedProblem, expectFlowProblems } from '../helpers/flow-problems';

const context = { sources: new Set(['payments']), eventTypes: new Set(['payment.succeeded']) };
const expectProblems = (file: string, expected: ExpectedProblem[]) => expectFlowProblems(join(ROOT, 'test/fixtures/broken-collect', file), context, expected);

test('debounce: a key that does not parse, a timeout shorter than the period, and entityKey beside it', () => {
  expectProblems('debounce-mistakes.yaml', [
    [5, 12, /either debounce or entityKey, not both/],
    [7, 8, /Unexpected end of expression/],
    [9, 12, /debounce timeout 5s is shorter than its period 10s/],
  ]);
});

test('batch: maxSize below 1 (schema) and a zero timeout are both reported', () => {
  expectProblems('batch-mistakes.yaml', [
    [6, 12, /maxSize must be >= 1/],
    [7, 12, /batch timeout must be longer than 0/],
  ]);
});

test('a flow has debounce or batch, not both; a debounce period is longer than 0', () => {
  expectProblems('debounce-and-batch.yaml', [
    [5, 36, /debounce period must be longer than 0/],
    [6, 8, /either debounce or batch, not both/],
  ]);
});

test('a rate limit beside debounce or batch is refused: it would count raw events before they are absorbed', () => {
  expectProblems('debounce-rate-limited.yaml', [[6, 3, /either debounce or rateLimit, not both \(the rate limit counts raw events before the debounce absorbs them/]]);
  expectProblems('batch-rate-limited.yaml', [[5, 12, /either batch or rateLimit, not both/]]);
});

const event = (id: string): FlowEvent => ({ id, type: 'payment.succeeded', source: 'payments', receivedAt: '2026-12-01T00:00:00Z', body: {} });
const recorder = (calls: unknown[]): StepRuntime => ({
  callActivity: async (_call, args) => { calls.push(args); return undefined; },
  sleep: async () => undefined,
  cleanup: (fn) => fn(),
  report: () => undefined,
  expressionFailure: (_step, err) => err,
});
const batchFlow = (batch?: FlowDefinition['batch']): FlowDefinition => ({
  name: 'b', version: 'v', trigger: { source: 'payments', events: ['payment.succeeded'] }, ...(batch && { batch }),
  steps: [{ id: 'each', uses: 'log', forEach: '{{ events }}', as: 'e', with: { message: '{{ e.id }} of {{ $count(events) }}, first {{ event.id }}' } }],
});

test('a batch run sees its events; a batch flow run for one event alone (replay, dry run) sees [event]', async () => {
  const calls: unknown[] = [];
  await executeFlow({ flow: batchFlow({ maxSize: 5, timeout: '1s' }), event: event('a'), events: [event('a'), event('b')] }, recorder(calls));
  assert.deepEqual(calls, [{ message: 'a of 2, first a' }, { message: 'b of 2, first a' }]);
  calls.length = 0;
  await executeFlow({ flow: batchFlow({ maxSize: 5, timeout: '1s' }), event: event('c') }, recorder(calls));
  assert.deepEqual(calls, [{ message: 'c of 1, first c' }]);
  calls.length = 0;
  // Other flows have no `events`: what existing runs see on replay is unchanged.
  await executeFlow({ flow: batchFlow(), event: event('d') }, recorder(calls));
  assert.deepEqual(calls, []);
});
