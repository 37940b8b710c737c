// The step logic with an injected runtime (no Temporal): order, parallel branches, outputs,
// delays, the saga's reverse compensations and onFailure, and trigger filters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeFlow } from '../../engine/interpreter';
import type { StepRuntime } from '../../engine/run-context';
import { type RunEvent, runEventLog } from '../../engine/run-events';
import { ExpressionError } from '../../engine/expressions';
import { selectFlows } from '../../engine/select';
import type { FlowDefinition, StepDefinition } from '../../engine/types';

interface Call { label: string; uses: string; args: Record<string, unknown> }

function recorder(opts: { fail?: string; outputs?: Record<string, unknown> } = {}) {
  const calls: Call[] = [];
  const sleeps: string[] = [];
  const rt: StepRuntime = {
    async callActivity(call, args, label) {
      calls.push({ label, uses: call.uses, args });
      await Promise.resolve();
      if (label === opts.fail) throw Object.assign(new Error('activity failed'), { cause: { message: 'declined', type: 'HttpClientError' } });
      return opts.outputs?.[label] ?? { label };
    },
    async sleep(duration, label) { sleeps.push(`${label}:${duration}`); },
    cleanup: (fn) => fn(),
    report: () => {},
    expressionFailure: (step, err) => new Error(`step ${step}: ${err.message}`),
  };
  return { rt, calls, sleeps };
}

const event = { id: 'evt_1', type: 'x', source: 'payments', receivedAt: '2026-11-23T10:00:00Z', body: { amount: 5, items: ['a', 'b'], wait: '2m' } };
const flow = (steps: StepDefinition[], onFailure?: StepDefinition[]): FlowDefinition => ({ name: 'f', version: 'v', trigger: { source: 'payments', events: ['x'] }, steps, onFailure });
const log = (id: string, message = id, extra: Partial<StepDefinition> = {}): StepDefinition => ({ id, uses: 'log', with: { message }, ...extra } as StepDefinition);

test('parallel branches run, their outputs are visible to later steps by id and as the parallel step output', async () => {
  const { rt, calls } = recorder({ outputs: { a: { n: 1 }, b: { n: 2 } } });
  const result = await executeFlow({
    flow: flow([
      { id: 'both', parallel: [{ steps: [log('a')] }, { steps: [log('b')] }] },
      log('sum', '{{ steps.a.output.n + steps.b.output.n }} {{ steps.both.output.b.n }}'),
    ]),
    event,
  }, rt);
  assert.deepEqual(calls.map((c) => c.label).sort(), ['a', 'b', 'sum']);
  assert.equal(calls.find((c) => c.label === 'sum')?.args.message, '3 2');
  assert.deepEqual(result.steps.both.output, { a: { n: 1 }, b: { n: 2 } });
});

test('a delay is a literal duration or a template; a template that is not a duration fails the step', async () => {
  const { rt, sleeps } = recorder();
  await executeFlow({ flow: flow([{ id: 'd1', delay: '30s' }, { id: 'd2', delay: '{{ event.body.wait }}' }, { id: 'd3', delay: '{{ 1500 }}' }]), event }, rt);
  assert.deepEqual(sleeps, ['d1:30s', 'd2:2m', 'd3:1500ms']);
  await assert.rejects(executeFlow({ flow: flow([{ id: 'bad', delay: '{{ "soon" }}' }]), event }, recorder().rt), /step bad: .*not a duration/);
});

test('on failure, compensations of completed steps run newest first, then onFailure with the error', async () => {
  const { rt, calls } = recorder({ fail: 'charge' });
  const undo = (what: string) => ({ uses: 'log', with: { message: `undo ${what} {{ output.label }}` } });
  await assert.rejects(executeFlow({
    flow: flow(
      [
        log('create', 'c', { compensate: undo('create') }),
        { id: 'each', uses: 'log', forEach: 'event.body.items', as: 'it', concurrency: 1, with: { message: '{{ it }}' }, compensate: { uses: 'log', with: { message: 'undo {{ it }}' } } },
        log('no-undo'),
        log('charge'),
        log('never'),
      ],
      [log('notify', 'failed at {{ error.step }}: {{ error.message }} ({{ error.type }})')],
    ),
    event,
  }, rt), /activity failed/);
  assert.deepEqual(calls.map((c) => `${c.label}:${c.args.message}`), [
    'create:c', 'each[0]:a', 'each[1]:b', 'no-undo:no-undo', 'charge:charge',
    'each[1].compensate:undo b', 'each[0].compensate:undo a', 'create.compensate:undo create create',
    'notify:failed at charge: declined (HttpClientError)',
  ]);
});

test('a failing compensation is logged and the others still run', async () => {
  const { rt, calls } = recorder({ fail: 'b.compensate' });
  rt.callActivity = ((orig) => async (call, args, label) => {
    if (label === 'c') throw new Error('boom');
    return orig(call, args, label);
  })(rt.callActivity.bind(rt));
  const reported: RunEvent[] = [];
  rt.report = (e) => reported.push(e);
  await assert.rejects(executeFlow({ flow: flow([log('a', 'a', { compensate: { uses: 'log' } }), log('b', 'b', { compensate: { uses: 'log' } }), log('c')]), event }, rt), /boom/);
  assert.deepEqual(calls.map((c) => c.label), ['a', 'b', 'b.compensate', 'a.compensate']);
  assert.deepEqual(reported.map((e) => e.kind), ['flow-failed', 'compensation-failed']);
  assert.deepEqual(reported[0], { kind: 'flow-failed', error: { step: 'c', message: 'boom', type: undefined }, compensations: 2 });
  assert.equal((reported[1] as { step: string }).step, 'b');
});

test('what the interpreter reports is logged by runs with the wording and fields they always had', () => {
  assert.deepEqual(runEventLog({ kind: 'step-skipped', step: 's' }), { message: 'step skipped: condition is false', fields: { step: 's' } });
  assert.deepEqual(runEventLog({ kind: 'flow-failed', error: { step: 'c', message: 'boom', type: 'X' }, compensations: 2 }), { message: 'flow failed: compensating completed steps', fields: { step: 'c', message: 'boom', type: 'X', compensations: 2 } });
  assert.deepEqual(runEventLog({ kind: 'compensation-failed', step: 'b', message: 'm' }), { message: 'compensation failed', fields: { step: 'b', message: 'm' } });
  assert.deepEqual(runEventLog({ kind: 'on-failure-failed', message: 'm' }), { message: 'onFailure failed', fields: { message: 'm' } });
});

test('a failing onFailure step is logged; the run still fails with the original error', async () => {
  const { rt, calls } = recorder({ fail: 'notify' });
  const reported: RunEvent[] = [];
  rt.report = (e) => reported.push(e);
  await assert.rejects(executeFlow({ flow: flow([log('a'), log('b', '{{ $number("x") }}')], [log('notify'), log('after-notify')]), event }, rt), /step b: expression/);
  assert.deepEqual(calls.map((c) => c.label), ['a', 'notify']);
  assert.deepEqual(reported.map((e) => e.kind), ['flow-failed', 'on-failure-failed']);
});

test('a failing parallel branch lets the other finish, so its compensation runs too', async () => {
  const { rt, calls } = recorder({ fail: 'x' });
  await assert.rejects(executeFlow({
    flow: flow([{ id: 'p', parallel: [{ steps: [log('x')] }, { steps: [log('y1'), log('y2', 'y2', { compensate: { uses: 'log' } })] }] }]),
    event,
  }, rt));
  assert.ok(calls.some((c) => c.label === 'y2'));
  assert.equal(calls.at(-1)?.label, 'y2.compensate');
});

test('expression failures go through the runtime (a non-retryable failure in a workflow)', async () => {
  const { rt } = recorder();
  await assert.rejects(executeFlow({ flow: flow([log('bad', '{{ $number("x") }}')]), event }, rt), (err: Error) => {
    assert.match(err.message, /^step bad: expression/);
    return true;
  });
});

test('trigger filters select flows by a condition over the event; each match is its own flow', async () => {
  const base = flow([log('a')]);
  const flows: FlowDefinition[] = [
    { ...base, name: 'all' },
    { ...base, name: 'big', trigger: { ...base.trigger, filter: 'event.body.amount > 3' } },
    { ...base, name: 'huge', trigger: { ...base.trigger, filter: 'event.body.amount > 100' } },
    { ...base, name: 'other-type', trigger: { ...base.trigger, events: ['y'] } },
  ];
  assert.deepEqual((await selectFlows(flows, event)).map((f) => f.name), ['all', 'big']);
  await assert.rejects(selectFlows([{ ...base, trigger: { ...base.trigger, filter: '$number("x")' } }], event), ExpressionError);
});
