// The synchronous evaluator must give JSONata's answer or step aside (NOT_FAST), never another
// answer: generated expressions over generated data are evaluated both ways and compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import fc from 'fast-check';
import jsonata from 'jsonata';
import { NOT_FAST, evaluateFast } from '../../engine/fast-expressions';
import { renderTemplate } from '../../engine/expressions';

const SEED = 20261201;
const NAMES = ['a', 'b', 'x-y'];
const nameSource = (n: string) => (/^[a-z]+$/.test(n) ? n : `\`${n}\``);

/** Data shaped like events and step outputs: objects keyed by NAMES, arrays, and every primitive. */
const { value: data } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -0, 1, 2.5, -3, '', 'a', '0'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...NAMES), tie('value'), { maxKeys: 3 }),
  ),
}));
const scopes = fc.dictionary(fc.constantFrom(...NAMES), data, { minKeys: 1, maxKeys: 3 });

const literal = fc.constantFrom('null', 'true', 'false', '0', '1', '2.5', '""', '"a"', '"0"');
const path = fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }).map((ns) => ns.map(nameSource).join('.'));
const { expr } = fc.letrec((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    path,
    literal,
    path.map((p) => `-${p}`),
    tie('expr').map((e) => `$not(${e})`),
    fc.tuple(tie('expr'), fc.constantFrom('=', '!='), tie('expr')).map(([l, op, r]) => `(${l}) ${op} (${r})`),
    fc.tuple(tie('expr'), tie('expr'), fc.option(tie('expr'))).map(([c, t, e]) => `(${c}) ? (${t})${e === null ? '' : ` : (${e})`}`),
  ),
}));

async function byJsonata(source: string, scope: object): Promise<{ value?: unknown; error?: true }> {
  try {
    return { value: await jsonata(source).evaluate(scope) };
  } catch {
    return { error: true };
  }
}

const plain = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

test('generated expressions: the fast answer is always JSONata\'s, or it steps aside', async () => {
  let fastAnswers = 0;
  await fc.assert(
    fc.asyncProperty(expr, scopes, async (source, scope) => {
      const fast = evaluateFast(source, scope);
      if (fast === NOT_FAST) return;
      fastAnswers++;
      const slow = await byJsonata(source, scope);
      assert.ok(!slow.error, `JSONata fails on ${source} but the fast path answered ${JSON.stringify(fast)}`);
      assert.deepEqual(plain(fast), plain(slow.value), `${source} over ${JSON.stringify(scope)}`);
    }),
    { seed: SEED, numRuns: 3000 },
  );
  assert.ok(fastAnswers > 1500, `the fast path answered only ${fastAnswers} of 3000`);
});

test('the shapes flows are made of are answered without JSONata', () => {
  const scope = { event: { body: { data: { order_id: 'ord_1', amount: 4500, items: [{ sku: 'A' }], customer: { name: '' } } } }, line: { quantity: 2 }, steps: { 'ask-provider': { output: { body: { status: 'succeeded' } } } } };
  const cases: [string, unknown][] = [
    ['event.body.data.order_id', 'ord_1'],
    ['event.body.data.items', [{ sku: 'A' }]],
    ['-line.quantity', -2],
    ["steps.`ask-provider`.output.body.status = 'succeeded'", true],
    ["event.body.data.customer.name ? event.body.data.customer.name : 'there'", 'there'],
    ['event.body.data.missing', undefined],
    ["$not(event.body.data.order_id = 'ord_2')", true],
    ["$formatNumber(event.body.data.amount / 100, '#0.00')", '45.00'],
  ];
  for (const [source, expected] of cases) assert.deepEqual(evaluateFast(source, scope), expected, source);
});

test('what only JSONata can do is left to it', () => {
  const scope = { event: { body: { items: [{ sku: 'A' }, { sku: 'B' }], amount: 10, s: 'x' } } };
  for (const source of ['event.body.items.sku', 'event.body.items[0]', '$formatNumber(event.body.amount, "#,##0")', 'event.body.amount % 3', 'event.body.s * 2', '-event.body.s', 'event.body.(', '$']) {
    assert.equal(evaluateFast(source, scope), NOT_FAST, source);
  }
});

/** Numbers where formatting goes wrong: ties at every precision, float artefacts, signs, -0, large. */
const numbers = fc.oneof(
  fc.constantFrom(0, -0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 1.005, 2.675, 1.45, -0.004, -0.005, 0.0049999, 123456.785, 999.995, 1e-7, -1e-7, 1e14 + 0.5, 9.995, 4500, 1),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 1000),
  fc.integer({ min: -100_000, max: 100_000 }).map((n) => n / 8),
  fc.double({ min: -1e16, max: 1e16, noNaN: true }),
);
const pictures = fc.constantFrom('#0.00', '0', '#0', '00', '000.000', '#0.0', '##00.0000', '0.00000000');
const operands = fc.oneof(fc.constant('x'), fc.constant('y'), numbers.filter((n) => n >= 0 && !Object.is(n, -0)).map((n) => String(n)));
const arithmetic = fc.tuple(operands, fc.constantFrom('+', '-', '*', '/'), operands).map(([l, op, r]) => `${l} ${op} ${r}`);

test('generated arithmetic and $formatNumber: the fast answer is always JSONata\'s, or it steps aside', async () => {
  let fastAnswers = 0;
  const number = fc.oneof(numbers, fc.constantFrom(undefined, 'a', '5', null, true, [1]));
  await fc.assert(
    fc.asyncProperty(fc.oneof(arithmetic, fc.tuple(arithmetic, pictures).map(([e, p]) => `$formatNumber(${e}, '${p}')`), pictures.map((p) => `$formatNumber(x, '${p}')`)), number, number, async (source, x, y) => {
      const scope = { ...(x !== undefined && { x }), ...(y !== undefined && { y }) };
      const fast = evaluateFast(source, scope);
      if (fast === NOT_FAST) return;
      fastAnswers++;
      const slow = await byJsonata(source, scope);
      assert.ok(!slow.error, `JSONata fails on ${source} over ${JSON.stringify(scope)} but the fast path answered ${JSON.stringify(fast)}`);
      assert.deepEqual(plain(fast), plain(slow.value), `${source} over ${JSON.stringify(scope)}`);
    }),
    { seed: SEED, numRuns: 5000 },
  );
  assert.ok(fastAnswers > 2500, `the fast path answered only ${fastAnswers} of 5000`);
});

test('the payment email renders in one synchronous pass', async () => {
  const scope = { event: { body: { data: { amount: 4550, currency: 'EUR', order_id: 'o1', customer: { name: 'Ada' } } } } };
  const text = "Hello {{ event.body.data.customer.name }}, we received {{ $formatNumber(event.body.data.amount / 100, '#0.00') }} {{ event.body.data.currency }}.";
  const promisesOf = async (fast: 2 | 3) => {
    let promises = 0;
    const hook = createHook({ init(_id, type) { if (type === 'PROMISE') promises++; } });
    hook.enable();
    const rendered = await renderTemplate({ text }, scope, fast);
    hook.disable();
    return { rendered, promises };
  };
  const before = await promisesOf(2);
  const now = await promisesOf(3);
  assert.deepEqual(now.rendered, { text: 'Hello Ada, we received 45.50 EUR.' });
  assert.deepEqual(now.rendered, before.rendered, 'the same text as JSONata renders it');
  // renderTemplate's own promise and the awaits around it: nothing per template or per AST node.
  assert.ok(now.promises <= 3, `${now.promises} promises`);
  assert.ok(before.promises > 20, `${before.promises} promises with JSONata`);
});
