// Wait steps and correlation: the loader's checks (file:line:column with hints), routing keys,
// and the wait logic itself (callback, timeout, reconciliation rounds with backoff, exhaustion)
// on a recording runtime. The same logic runs in correlated workflows on the real stack
// (test/integration/callbacks.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFlows } from '../../definitions/flows';
import { executeFlow } from '../../engine/interpreter';
import type { StepRuntime } from '../../engine/run-context';
import { backoffMs, RECONCILE_DEFAULTS } from '../../engine/wait';
import { routeOf } from '../../engine/routing';
import { selectFlows } from '../../engine/select';
import type { FlowDefinition, FlowEvent } from '../../engine/types';
import { ROOT } from '../helpers/paths';
import { type ExpectedProblem, expectFlowProblems } from '../helpers/flow-problems';
import { shippedDefinitions } from '../helpers/ingress';

const context = { sources: new Set(['payments']), eventTypes: new Set(['payment.succeeded', 'payment.failed', 'payment.created']) };
const fixture = (name: string) => join(ROOT, 'test/fixtures/broken-wait-flows', name);

const expectProblems = (file: string, expected: ExpectedProblem[]) => expectFlowProblems(fixture(file), context, expected);

test('bad wait steps are reported at their positions, with hints', () => {
  expectProblems('wait-mistakes.yaml', [
    [8, 7, /wait step "payment" needs a correlated flow/],
    [8, 35, /"payment.created" starts this flow; a wait step cannot also wait for it/],
    [8, 52, /event type "payment.nothing" has no payload schema/],
    [10, 12, /expression "event.body.data.\(": Expected "\)"/],
    [17, 28, /refers to unknown step "ask-providr"/],
    [18, 25, /"payment.failed" is not one of the events step "payment" waits for/],
    [23, 7, /"onTimeout" only applies to wait steps/],
  ]);
  const { problems } = loadFlows([fixture('wait-mistakes.yaml')], context);
  assert.match(problems.find((p) => p.line === 17)?.hint ?? '', /did you mean "ask-provider"\?/);
});

test('bad durations in wait and onTimeout, and correlation with entityKey, are reported', () => {
  expectProblems('wait-bad-durations.yaml', [
    [7, 12, /either correlation or entityKey, not both/],
    [12, 16, /wait\/timeout must match pattern/],
    [17, 28, /refers to unknown step "nope"/],
    [20, 33, /initialInterval must match pattern/],
  ]);
  const { problems } = loadFlows([fixture('wait-bad-durations.yaml')], context);
  assert.match(problems.find((p) => p.line === 12)?.hint ?? '', /not a duration/);
});

const flows = () => shippedDefinitions().flows;
const ev = (type: string, data: Record<string, unknown>, id = 'evt_1'): FlowEvent => ({ id, type, source: 'payments', receivedAt: '2026-11-23T10:00:00Z', body: { id, type, data } });

test('a bank transfer callback goes to the run of its payment, and only there; other payments keep their flow', async () => {
  const all = flows();
  const callback = ev('payment.succeeded', { payment_id: 'pay_9', order_id: 'o', method: 'bank_transfer' });
  const selected = await selectFlows(all, callback);
  assert.deepEqual(selected.map((f) => f.name), ['payment-created']);
  assert.deepEqual(await routeOf(selected[0], callback, async () => 'unused'), { workflowId: 'payment-created:payments:pay_9', route: { kind: 'correlated', key: 'pay_9' } });
  const card = ev('payment.succeeded', { payment_id: 'pay_9', order_id: 'o' });
  assert.deepEqual((await selectFlows(all, card)).map((f) => f.name), ['payment-succeeded']);

  const update = ev('order.updated', { order_id: 'ord_5', status: 'packed' }, 'evt_u');
  const orderFlow = all.find((f) => f.name === 'order-updated')!;
  assert.deepEqual(await routeOf(orderFlow, update, async () => 'evt_u'), {
    workflowId: 'order-updated:payments:ord_5', route: { kind: 'entity', key: 'ord_5', eventWorkflowId: 'order-updated:payments:ord_5:evt_u' },
  });
  await assert.rejects(routeOf(orderFlow, ev('order.updated', { status: 'x' }), async () => 'k'), /entity key of flow order-updated is empty/);
});

test('backoff between reconciliation rounds grows by the coefficient up to the cap', () => {
  const policy = { ...RECONCILE_DEFAULTS, initialInterval: '5m', backoffCoefficient: 2, maximumInterval: '1h' };
  assert.deepEqual([1, 2, 3, 4, 5].map((r) => backoffMs(policy, r) / 60_000), [5, 10, 20, 40, 60]);
});

/** A runtime whose callbacks come from a script: per awaitEvent call, the event that arrives (or none). */
function scripted(arrivals: (FlowEvent | undefined)[], answers: Record<string, unknown>) {
  const calls: string[] = [];
  const outcomes: string[] = [];
  const rt: StepRuntime = {
    async callActivity(_call, _args, label) {
      calls.push(label);
      const answer = answers[label];
      if (answer instanceof Error) throw answer;
      return answer;
    },
    async sleep() {},
    cleanup: (fn) => fn(),
    report() {},
    expressionFailure: (step, err) => new Error(`step ${step}: ${err.message}`),
    waits: {
      async awaitEvent(types, timeout, label) {
        calls.push(`wait ${label} ${timeout}`);
        return arrivals.shift();
      },
      outcome: (value) => outcomes.push(value),
      failure: (type, message) => Object.assign(new Error(message), { type }),
      canRetry: () => true,
    },
  };
  return { rt, calls, outcomes };
}

const waitFlow: FlowDefinition = {
  name: 'w', version: 'v1', trigger: { source: 'payments', events: ['payment.created'] }, correlation: { key: 'event.body.data.payment_id' },
  steps: [
    {
      id: 'payment',
      wait: { events: ['payment.succeeded', 'payment.failed'], timeout: '30m' },
      onTimeout: {
        steps: [{ id: 'ask', uses: 'http.request', with: { url: 'http://psp' } }],
        when: { 'payment.succeeded': "steps.ask.output.body.status = 'succeeded'", 'payment.failed': "steps.ask.output.body.status = 'failed'" },
        retry: { maximumAttempts: 3, initialInterval: '1m', backoffCoefficient: 3, maximumInterval: '1h' },
      },
    },
    { id: 'paid', if: "steps.payment.output.type = 'payment.succeeded'", uses: 'log', with: { message: 'paid' } },
  ],
};
const created = ev('payment.created', { payment_id: 'pay_1' });

test('a callback in time settles the wait; later steps see it', async () => {
  const callback = ev('payment.succeeded', { payment_id: 'pay_1' }, 'evt_cb');
  const { rt, calls, outcomes } = scripted([callback], {});
  const result = await executeFlow({ flow: waitFlow, event: created }, rt);
  assert.deepEqual(result.steps.payment.output, { outcome: 'received', type: 'payment.succeeded', event: callback, rounds: 0 });
  assert.deepEqual(calls, ['wait payment 30m', 'paid']);
  assert.deepEqual(outcomes, ['waiting', 'received']);
});

test('no callback: rounds ask again with backoff (a failing provider counts as not knowing), then settle', async () => {
  const { rt, calls, outcomes } = scripted([undefined, undefined, undefined], {
    ask: new Error('503 from the provider'),
    'ask#2': { body: { status: 'pending' } },
    'ask#3': { body: { status: 'succeeded' } },
  });
  const result = await executeFlow({ flow: waitFlow, event: created }, rt);
  assert.deepEqual(result.steps.payment.output, { outcome: 'reconciled', type: 'payment.succeeded', rounds: 3 });
  assert.deepEqual(calls, ['wait payment 30m', 'ask', 'wait payment retry 1 60000ms', 'ask#2', 'wait payment retry 2 180000ms', 'ask#3', 'paid']);
  assert.deepEqual(outcomes, ['waiting', 'reconciled']);
});

test('a callback during the backoff still settles the wait', async () => {
  const late = ev('payment.failed', { payment_id: 'pay_1' }, 'evt_late');
  const { rt, calls } = scripted([undefined, late], { ask: { body: { status: 'pending' } } });
  const result = await executeFlow({ flow: waitFlow, event: created }, rt);
  assert.deepEqual(result.steps.payment.output, { outcome: 'received', type: 'payment.failed', event: late, rounds: 1 });
  assert.deepEqual(result.steps.paid, { status: 'skipped' });
  assert.deepEqual(calls, ['wait payment 30m', 'ask', 'wait payment retry 1 60000ms']);
});

test('the provider never knows: the run fails with ReconciliationExhausted after the last round', async () => {
  const { rt, outcomes } = scripted([], { ask: { body: {} }, 'ask#2': { body: {} }, 'ask#3': { body: {} } });
  await assert.rejects(executeFlow({ flow: waitFlow, event: created }, rt), (err: Error & { type?: string }) => {
    assert.equal(err.type, 'ReconciliationExhausted');
    assert.match(err.message, /step payment: no payment.succeeded or payment.failed after 3 reconciliation rounds/);
    return true;
  });
  assert.deepEqual(outcomes, ['waiting', 'reconciliation_exhausted']);
});

test('without onTimeout a wait that times out continues with outcome timedOut', async () => {
  const flow = { ...waitFlow, steps: [{ id: 'payment', wait: { events: ['payment.succeeded'], timeout: '{{ "2s" }}' } }] };
  const { rt, calls, outcomes } = scripted([undefined], {});
  const result = await executeFlow({ flow, event: created }, rt);
  assert.deepEqual(result.steps.payment.output, { outcome: 'timedOut', rounds: 0 });
  assert.deepEqual(calls, ['wait payment 2s']);
  assert.deepEqual(outcomes, ['waiting', 'timed_out']);
});
