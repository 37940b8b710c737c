// What runs with the run guards check in workflow code: bounded expressions ($pad, $replace,
// sizes, regexes), forEach's item cap, http.request path values encoded, and MongoDB operators
// that came from data kept out of filters. Runs without the guards (started before) do as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpressionError, compileExpression, evaluateExpression } from '../../engine/expressions';
import { MAX_SEQUENCE_LENGTH, unsafeRegex } from '../../engine/expression-bounds';
import { executeFlow } from '../../engine/interpreter';
import type { StepRuntime } from '../../engine/run-context';
import type { FlowDefinition, StepDefinition } from '../../engine/types';
import { encodePathValue } from '../../engine/run-guards';

const refused = (pattern: RegExp) => (err: unknown) => err instanceof ExpressionError && pattern.test(err.message);

test('natives whose output an argument sizes are refused before they run', async () => {
  await assert.rejects(evaluateExpression('$pad("", 5e7)', {}), refused(/\$pad to 50000000 characters/));
  assert.equal(await evaluateExpression('$pad("ab", 5, "-")', {}), 'ab---');
  assert.equal(await evaluateExpression('$pad("ab", -5, "xy")', {}), 'xyxab');
  const big = 'a'.repeat(2000);
  await assert.rejects(evaluateExpression('$replace(s, "a", s)', { s: big }), refused(/\$replace that can produce 4002000 characters/));
  await assert.rejects(evaluateExpression('$replace(s, /a/, s)', { s: big }), refused(/\$replace that can produce/));
  assert.equal(await evaluateExpression('$replace(s, "a", "b", 2)', { s: 'aaa' }), 'bba');
});

test('a step that builds an oversized string or sequence fails; the budget still counts steps', async () => {
  await assert.rejects(evaluateExpression('$reduce([1..30], function($acc, $v) { $acc & $acc }, "ab")', {}), refused(/a string of \d+ characters/));
  await assert.rejects(evaluateExpression(`[1..${MAX_SEQUENCE_LENGTH + 1}]`, {}), refused(new RegExp(`${MAX_SEQUENCE_LENGTH + 1} items`)));
  // Many strings each under the cap: the total an evaluation builds is bounded too (10 000 of 999 999 would be 10 GB).
  await assert.rejects(evaluateExpression('$join([1..20].$pad("", 999999))', {}), refused(/built more than 10000000 characters in all/));
  assert.equal(await evaluateExpression('$join(items.$pad(name, 3, "."))', { items: [{ name: 'a' }, { name: 'bb' }] }), 'a..bb.');
  assert.equal(await evaluateExpression(`$count([1..${MAX_SEQUENCE_LENGTH}])`, {}), MAX_SEQUENCE_LENGTH);
  // A run started before the guards evaluates as it did (only the step budget).
  assert.equal(await evaluateExpression(`$count([1..${MAX_SEQUENCE_LENGTH + 1}])`, {}, true, false), MAX_SEQUENCE_LENGTH + 1);
});

test('regexes that can backtrack exponentially are refused when compiled (the loader and guarded runs)', () => {
  for (const re of ['(a+)+$', '(a*)*b', '([a-z]+)*x', '(a|aa)+', '(\\w+\\s?)+$', '(a)\\1', '((ab)*c)+']) assert.ok(unsafeRegex(re), re);
  for (const re of ['^[a-z]+$', 'a+b*', '(ab)+', '[(a+)+]', '\\(a+\\)+', '(a+)?', 'x{2,3}', '(ab){2}']) assert.equal(unsafeRegex(re), undefined, re);
  assert.throws(() => compileExpression('$match(s, /(a+)+$/)'), refused(/nested quantifiers/));
  assert.doesNotThrow(() => compileExpression('$match(s, /(a+)+$/)', false));
  assert.doesNotThrow(() => compileExpression('$match(s, /^pay_[0-9]+$/)'));
});

interface Call { label: string; args: Record<string, unknown> }
function runtime(guards: boolean) {
  const calls: Call[] = [];
  const rt: StepRuntime = {
    async callActivity(_call, args, label) { calls.push({ label, args }); return {}; },
    async sleep() {},
    cleanup: (fn) => fn(),
    report: () => {},
    expressionFailure: (step, err) => Object.assign(new Error(`step ${step}: ${err.message}`), { nonRetryable: true }),
    guards,
  };
  return { rt, calls };
}
const flowOf = (...steps: Partial<StepDefinition>[]): FlowDefinition => ({ name: 'f', version: 'v', trigger: { source: 's', events: ['x'] }, steps: steps as StepDefinition[] });
const eventWith = (body: unknown) => ({ id: 'e1', type: 'x', source: 's', receivedAt: '2026-12-06T08:00:00Z', body });

test('forEach takes at most maxItems (default 100): more fail the step before any item runs, and compensations run', async () => {
  const items = Array.from({ length: 101 }, (_, i) => i);
  const flow = flowOf(
    { id: 'first', uses: 'log', with: { message: 'a' }, compensate: { uses: 'log', with: { message: 'undo' } } },
    { id: 'each', uses: 'log', forEach: 'event.body.items', with: { message: '{{ item }}' } },
  );
  const guarded = runtime(true);
  await assert.rejects(executeFlow({ flow, event: eventWith({ items }) }, guarded.rt), /step each: .*gave 101 items, more than maxItems \(100\); no item ran/);
  assert.deepEqual(guarded.calls.map((c) => c.label), ['first', 'first.compensate']);
  const raised = runtime(true);
  await executeFlow({ flow: flowOf({ id: 'each', uses: 'log', forEach: 'event.body.items', maxItems: 200, with: { message: '{{ item }}' } }), event: eventWith({ items }) }, raised.rt);
  assert.equal(raised.calls.length, 101);
  const before = runtime(false); // a run started before the guards
  await executeFlow({ flow, event: eventWith({ items }) }, before.rt);
  assert.equal(before.calls.length, 102);
});

test('an http.request path value is encoded: it cannot add segments, climb, or change the host', async () => {
  const { rt, calls } = runtime(true);
  const step = { id: 'ask', uses: 'http.request', with: { url: 'https://api.example.com/v1', path: '/payments/{{ event.body.id }}?q={{ event.body.q }}' } };
  await executeFlow({ flow: flowOf(step), event: eventWith({ id: '../../admin', q: 'a&b=c#d' }) }, rt);
  await executeFlow({ flow: flowOf(step), event: eventWith({ id: '@evil.example/x', q: "it's (1)*!" }) }, rt);
  assert.deepEqual(calls.map((c) => c.args.path), ['/payments/..%2F..%2Fadmin?q=a%26b%3Dc%23d', '/payments/%40evil.example%2Fx?q=it%27s%20%281%29%2A%21']);
  assert.equal(encodePathValue('pay_1.json'), 'pay_1.json');
  const before = runtime(false);
  await executeFlow({ flow: flowOf(step), event: eventWith({ id: 'a/b', q: 'x' }) }, before.rt);
  assert.equal(before.calls[0].args.path, '/payments/a/b?q=x', 'runs started before keep their rendering');
});

test('a MongoDB operator that data put into a filter fails the step, unless the step opts in', async () => {
  const find = (extra: Record<string, unknown> = {}) => ({ id: 'find', uses: 'mongo.find', with: { collection: 'orders', filter: { status: '{{ event.body.status }}', total: { $gt: 5 } }, ...extra } });
  const { rt, calls } = runtime(true);
  await assert.rejects(executeFlow({ flow: flowOf(find()), event: eventWith({ status: { $ne: null } }) }, rt), /step find: .*MongoDB operator .* filter\.status/);
  await assert.rejects(executeFlow({ flow: flowOf(find()), event: eventWith({ status: { nested: [{ $where: 'x' }] } }) }, rt), /filter\.status/);
  assert.equal(calls.length, 0);
  await executeFlow({ flow: flowOf(find()), event: eventWith({ status: 'paid' }) }, rt);
  await executeFlow({ flow: flowOf(find({ operatorsFromData: true })), event: eventWith({ status: { $in: ['paid', 'sent'] } }) }, rt);
  assert.deepEqual(calls.map((c) => c.args.filter), [{ status: 'paid', total: { $gt: 5 } }, { status: { $in: ['paid', 'sent'] }, total: { $gt: 5 } }]);
});
