// The scheduled trigger in the flow language: cron and interval checks with positions and hints,
// what a loaded scheduled flow looks like, and the Temporal Schedule it becomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFlows } from '../../definitions/flows';
import { cronProblem } from '../../definitions/cron-check';
import { scheduleOptionsFor, isOwnedBy, fingerprintOf } from '../../server/schedules/options';
import { scheduledEvent } from '../../engine/schedule';
import { ROOT } from '../helpers/paths';
import { type ExpectedProblem, expectFlowProblems } from '../helpers/flow-problems';

const context = { sources: new Set(['payments']), eventTypes: new Set(['payment.succeeded']) };

const expectProblems = (file: string, expected: ExpectedProblem[]) => expectFlowProblems(join(ROOT, 'test/fixtures/broken-schedules', file), context, expected);

test('cron and schedule mistakes are reported at their positions, with hints', () => {
  expectProblems('schedule-mistakes.yaml', [
    [3, 11, /"source" does not apply to a scheduled trigger/],
    [7, 9, /hour "24" is not a number in 0-23/],
    [8, 9, /day of week "MON-FRX" has "FRX"/],
    [9, 9, /has 4 fields, not 5/],
    [10, 9, /is an interval: use every: instead/],
    [11, 15, /unknown time zone "Mars\/Olympus"/],
    [12, 13, /offset only applies to every:/],
    [13, 20, /catchupWindow "1s" is not a duration of at least 10s/],
  ]);
});

test('a bad interval and overlap policy are reported even when the schema fails first', () => {
  expectProblems('schedule-interval-mistakes.yaml', [
    [4, 12, /every "15 minutes" is not an interval/],
    [5, 14, /overlap must be equal to one of the allowed values/],
  ]);
});

test('a flow starts on events or on a schedule, and a schedule needs exactly one of every: and cron:', () => {
  expectProblems('schedule-either.yaml', [
    [3, 11, /"events" does not apply to a scheduled trigger/],
    [6, 13, /offset 2h is not shorter than every 1h/],
    [7, 11, /either every: or cron:, not both/],
  ]);
  expectProblems('schedule-none.yaml', [[3, 13, /a schedule needs every: or cron:/]]);
});

test('cron expressions are read as Temporal reads them', () => {
  for (const ok of ['*/15 * * * *', '0 3 * * MON-FRI', '0 0 1 jan,jul *', '5-55/10 8-18 * * 1-5', '0 12 * * 7', '@daily', '@hourly', ' 0 3 * * *  ']) {
    assert.equal(cronProblem(ok), undefined, ok);
  }
  const bad: [string, RegExp][] = [
    ['* * * * * *', /6 fields, not 5/],
    ['60 * * * *', /minute "60" is not a number in 0-59/],
    ['0 0 0 * *', /day of month "0"/],
    ['0 0 * 13 *', /month "13"/],
    ['*/0 * * * *', /step "0"/],
    ['10-5 * * * *', /ends before it starts/],
    ['1-2-3 * * * *', /more than one "-"/],
    ['0 0 * * M', /"M" is not a number or name/],
    ['@fortnightly', /unknown shorthand/],
    ['CRON_TZ=UTC 0 * * * *', /timezone:/],
    ['0 * * * * # nightly', /YAML comments/],
  ];
  for (const [expression, message] of bad) assert.match(cronProblem(expression) ?? 'accepted', message, expression);
});

test('a scheduled flow loads with source "schedule" and event type "schedule.fired"', () => {
  const { flows, problems } = loadFlows([join(ROOT, 'flows/payment-sweep.yaml')], context);
  assert.deepEqual(problems, []);
  const [sweep] = flows;
  assert.equal(sweep.trigger.source, 'schedule');
  assert.deepEqual(sweep.trigger.events, ['schedule.fired']);
  assert.deepEqual(sweep.trigger.schedule, { every: '15m' });
});

test('a scheduled flow becomes a Temporal Schedule owned by hookflow, with skip and a 10m catch-up window by default', () => {
  const { flows } = loadFlows([join(ROOT, 'flows/payment-sweep.yaml')], context);
  const sweep = flows[0];
  const options = scheduleOptionsFor(sweep, 'q1');
  assert.equal(options.scheduleId, 'hookflow:payment-sweep');
  assert.deepEqual(options.spec, { intervals: [{ every: 15 * 60_000, offset: 0 }] });
  assert.deepEqual(options.policies, { overlap: 'SKIP', catchupWindow: 10 * 60_000 });
  assert.equal(options.action.workflowType, 'runScheduledFlow');
  assert.equal(options.action.workflowId, 'payment-sweep:schedule');
  assert.deepEqual(options.action.args, [{ flow: sweep, scheduleId: 'hookflow:payment-sweep' }]);
  assert.ok(isOwnedBy(options.memo, 'q1'));
  assert.ok(!isOwnedBy(options.memo, 'q2'), 'another deployment on another task queue does not own it');
  assert.ok(!isOwnedBy(undefined, 'q1'));
  assert.equal(options.action.memo?.hookflowSchedule, fingerprintOf(sweep, 'q1'));

  const cron = { ...sweep, trigger: { ...sweep.trigger, schedule: { cron: '0 3 * * *', timezone: 'Europe/Berlin', overlap: 'bufferOne' as const, catchupWindow: '1h' } } };
  const cronOptions = scheduleOptionsFor(cron, 'q1');
  assert.deepEqual(cronOptions.spec, { cronExpressions: ['0 3 * * *'], timezone: 'Europe/Berlin' });
  assert.deepEqual(cronOptions.policies, { overlap: 'BUFFER_ONE', catchupWindow: 3_600_000 });
  assert.notEqual(fingerprintOf(cron, 'q1'), fingerprintOf({ ...cron, version: 'other' }, 'q1'));
});

test('a scheduled run\'s event: id is the scheduled time, readable and unique per schedule', () => {
  const event = scheduledEvent('hookflow:sweep', new Date('2026-11-23T14:15:00Z'), new Date('2026-11-23T14:15:00.120Z'));
  assert.deepEqual(event, {
    id: '2026-11-23T14:15:00Z',
    type: 'schedule.fired',
    source: 'schedule',
    receivedAt: '2026-11-23T14:15:00.120Z',
    body: { scheduledTime: '2026-11-23T14:15:00.000Z', scheduleId: 'hookflow:sweep' },
  });
  assert.equal(scheduledEvent('s', new Date('2026-11-23T14:15:00.250Z'), new Date()).id, '2026-11-23T14:15:00.250Z');
});
