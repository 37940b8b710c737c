// The expression language: typed templates, interpolation, conditions, and clean failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpressionError, evaluateCondition, evaluateExpression, renderTemplate } from '../../engine/expressions';

const scope = { event: { id: 'evt_1', body: { amount: 4500, items: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], customer: { name: 'Ada' } } } };

test('a string that is one whole template keeps the value type', async () => {
  assert.equal(await renderTemplate('{{ event.body.amount }}', scope), 4500);
  assert.equal(await renderTemplate('{{ -event.body.items[0].quantity }}', scope), -2);
  assert.deepEqual(await renderTemplate('{{ event.body.items.sku }}', scope), ['A', 'B']);
});

test('templates inside text are interpolated; objects and arrays are rendered deeply', async () => {
  const out = await renderTemplate({ subject: 'Hi {{ event.body.customer.name }} ({{ event.id }})', list: ['{{ event.body.amount / 100 }}', 'plain'], n: 3 }, scope);
  assert.deepEqual(out, { subject: 'Hi Ada (evt_1)', list: [45, 'plain'], n: 3 });
});

test('a missing value renders as empty text inside a string and as undefined alone', async () => {
  assert.equal(await renderTemplate('x{{ event.nope }}y', scope), 'xy');
  assert.equal(await renderTemplate('{{ event.nope }}', scope), undefined);
});

test('conditions follow JavaScript truthiness and accept a {{ }} wrapper', async () => {
  assert.equal(await evaluateCondition('event.body.amount > 0', scope), true);
  assert.equal(await evaluateCondition('{{ event.body.amount > 5000 }}', scope), false);
  assert.equal(await evaluateCondition('event.body.missing', scope), false);
});

test('a syntax error is an ExpressionError naming the expression', async () => {
  await assert.rejects(evaluateExpression('event.body.(', scope), (err: unknown) => err instanceof ExpressionError && /event\.body\.\(/.test(err.message));
});

test('a runaway expression stops at the evaluation budget instead of hanging', async () => {
  await assert.rejects(evaluateExpression('($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $sum([1..20000].$f(3)))', scope, true, false), (err: unknown) => err instanceof ExpressionError && /budget|depth|stack/i.test(err.message));
});

test('infinite recursion is stopped by the depth limit', async () => {
  await assert.rejects(evaluateExpression('($f := function($n) { $f($n + 1) }; $f(0))', scope), ExpressionError);
});

test('expressions cannot reach the process or the environment', async () => {
  assert.equal(await evaluateExpression('$process', scope), undefined);
  await assert.rejects(evaluateExpression('$require("fs")', scope), ExpressionError);
});
