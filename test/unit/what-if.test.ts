// engine/what-if*.ts on hand-written definitions: recorded outputs stand in for activities, and
// each kind of change (added, removed, now skipped, running again, arguments, outcome, starts) is
// told apart and keyed for the allow-list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowDefinition, StepDefinition } from '../../engine/types';
import { simulate } from '../../engine/what-if';
import { allowPattern, applyAllowList, diffLines, whatIf } from '../../engine/what-if-diff';

const event = { id: 'evt_1', type: 'x', source: 'payments', receivedAt: '2026-11-23T10:00:00Z', body: { amount: 5, items: ['a', 'b'] } };
const flow = (steps: StepDefinition[], filter?: string, version = 'v1'): FlowDefinition => ({ name: 'f', version, trigger: { source: 'payments', events: ['x'], ...(filter && { filter }) }, steps });
const log = (id: string, message: string, extra: Record<string, unknown> = {}): StepDefinition => ({ id, uses: 'log', with: { message }, ...extra } as StepDefinition);

test('a step reads the output its original run recorded, per forEach item too; a step without one gets null and is named', async () => {
  const f = flow([
    log('lookup', 'x'),
    log('each', '{{ item }}', { forEach: 'event.body.items' }),
    log('use', '{{ steps.lookup.output.status }} {{ steps.each.output[1].n }}'),
    log('new', 'n'),
  ]);
  const sim = await simulate(f, event, { flow: 'f', steps: { lookup: { status: 'completed', output: { status: 'paid' } }, each: { status: 'completed', output: [{ n: 1 }, { n: 2 }] } } });
  assert.equal(sim.outcome, 'completed');
  assert.deepEqual(sim.calls.find((c) => c.label === 'use')?.args, { message: 'paid 2' });
  assert.deepEqual(sim.unknownOutputs, ['use', 'new']);
});

test('removed, added, now skipped, running again and changed arguments are each one keyed change', async () => {
  const before = flow([log('a', 'hello {{ event.id }}'), log('b', 'b'), log('c', 'c', { if: 'event.body.amount > 10' }), log('d', 'd')]);
  const after = flow([log('a', 'hi {{ event.id }}'), log('c', 'c'), log('d', 'd', { if: 'event.body.amount > 10' }), log('e', 'e')], undefined, 'v2');
  const diff = await whatIf({ baseline: [before], candidate: [after], event });
  assert.deepEqual(diff.flows[0].changes.map((c) => c.key), ['f/b/removed', 'f/d/skipped', 'f/a/args.message', 'f/c/unskipped', 'f/e/added']);
  assert.deepEqual(diffLines(diff), [
    '  f (v1 → v2)',
    '    - b (log) no longer runs',
    '    ⊘ d (log) now skipped: its if is false',
    '    ~ a (log) message: "hello evt_1" → "hi evt_1"',
    '    + c (log) runs now: its if was false',
    '    + e (log) added, with {"message":"e"}',
    '    (no recorded output for a, b, d, c, e: null used)',
  ]);
  assert.equal(applyAllowList(diff, [allowPattern('f/a/args.*'), allowPattern('f/*/removed')]), 3);
  assert.deepEqual(diffLines(diff, false).slice(1, 4), ['    - b (log) no longer runs  (allowed)', '    ⊘ d (log) now skipped: its if is false', '    ~ a: 1 argument(s) differ (message)  (allowed)']);
});

test('a changed filter starts or stops the flow; a failing step changes the outcome; an unchanged flow has no change', async () => {
  const steps = [log('a', 'a')];
  const stops = await whatIf({ baseline: [flow(steps)], candidate: [flow(steps, 'event.body.amount > 10')], event });
  assert.deepEqual(stops.flows[0].changes.map((c) => c.text), ['would no longer start: its filter is false: event.body.amount > 10; it ran 1 step call(s), completed']);
  const starts = await whatIf({ baseline: [flow(steps, 'event.body.amount > 10')], candidate: [flow(steps)], event });
  assert.deepEqual(starts.flows[0].changes.map((c) => c.key), ['f/starts']);
  const fails = await whatIf({ baseline: [flow(steps)], candidate: [flow([log('a', '{{ $error("boom") }}')])], event });
  assert.match(fails.flows[0].changes.at(-1)!.text, /^outcome: completed → failed: step a: .*boom/);
  const same = await whatIf({ baseline: [flow(steps)], candidate: [flow(steps)], event });
  assert.deepEqual(same.flows.map((f) => f.changes), [[]]);
  assert.deepEqual(diffLines(same), []);
});
