// Flow controls (concurrency, throttle): the loader's checks (file:line:column with hints), the
// routing of a gated flow's events to the gate of their key, and the throttle's arithmetic. The
// gate itself runs on the real stack in test/integration/flow-controls.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gateControlsOf, holdingControl, nextStartAfter, throttleWaitMs } from '../../engine/controls';
import { routeOf } from '../../engine/routing';
import type { FlowDefinition, FlowEvent } from '../../engine/types';
import { ROOT } from '../helpers/paths';
import { expectFlowProblems } from '../helpers/flow-problems';

const context = { sources: new Set(['payments']), eventTypes: new Set(['payment.succeeded']) };
const fixture = (name: string) => join(ROOT, 'test/fixtures/broken-control-flows', name);

test('bad controls are reported at their positions, with hints', () => {
  expectFlowProblems(fixture('control-mistakes.yaml'), context, [
    [5, 12, /either entityKey or concurrency, not both/],
    [7, 10, /concurrency\/limit must be >= 1/],
    [8, 8, /expression "event.body.data.\(": Expected "\)"/],
    [11, 11, /a throttle period must be longer than 0/],
    [12, 10, /burst 9 is more than the limit 5/],
    [13, 8, /throttle.key \(event.body.data.customer\) differs from concurrency.key/],
  ]);
  expectFlowProblems(fixture('throttle-bad-period.yaml'), context, [
    [5, 31, /\/throttle\/period must match pattern/],
    [5, 43, /unknown property "rate" in \/throttle/],
  ]);
});

const flow = (controls: Partial<FlowDefinition>): FlowDefinition => ({
  name: 'sync-customer', version: 'v1', trigger: { source: 'payments', events: ['payment.succeeded'] }, steps: [], ...controls,
});
const event: FlowEvent = { id: 'evt_7', type: 'payment.succeeded', source: 'payments', receivedAt: '2026-12-01T00:00:00Z', body: { data: { customer: 'cus_1' } } };

test('a gated event goes to the gate of its key and keeps the run id it would have without the gate', async () => {
  assert.deepEqual(await routeOf(flow({ concurrency: { limit: 2, key: 'event.body.data.customer' } }), event, async () => 'evt_7'), {
    workflowId: 'sync-customer/gate:payments:cus_1',
    route: { kind: 'gated', key: 'cus_1', eventWorkflowId: 'sync-customer:payments:evt_7' },
  });
  assert.deepEqual(await routeOf(flow({ throttle: { limit: 5, period: '1s' } }), event, async () => 'evt_7'), {
    workflowId: 'sync-customer/gate:payments',
    route: { kind: 'gated', key: '', eventWorkflowId: 'sync-customer:payments:evt_7' },
  });
  assert.equal(await routeOf(flow({}), event, async () => 'evt_7'), undefined);
});

test('the throttle spreads starts one per period/limit, lets `burst` go at once after a rest, and holds the rest', () => {
  const controls = gateControlsOf(flow({ throttle: { limit: 5, period: '1s', burst: 2 } }));
  assert.deepEqual(controls, { throttle: { intervalMs: 200, burst: 2 } });
  // A rested gate at t=10 000: two starts at once, then one every 200 ms.
  let next = 0;
  const starts: number[] = [];
  for (let now = 10_000; starts.length < 6;) {
    const wait = throttleWaitMs(controls, next, now);
    if (wait > 0) { now += wait; continue; }
    starts.push(now);
    next = nextStartAfter(controls, next, now);
  }
  assert.deepEqual(starts, [10_000, 10_000, 10_200, 10_400, 10_600, 10_800]);
  assert.equal(holdingControl(controls, { running: 0, ahead: 0, nextStartAt: next, now: 10_800 }), 'throttle');
  assert.equal(holdingControl(controls, { running: 0, ahead: 0, nextStartAt: next, now: 11_000 }), undefined);
  const both = gateControlsOf(flow({ concurrency: { limit: 2 }, throttle: { limit: 5, period: '1s' } }));
  assert.equal(holdingControl(both, { running: 1, ahead: 1, nextStartAt: 0, now: 5 }), 'concurrency');
  assert.equal(holdingControl(both, { running: 1, ahead: 0, nextStartAt: 0, now: 5 }), undefined);
});
