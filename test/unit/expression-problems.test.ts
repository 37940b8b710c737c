// The template checks of definitions/expression-problems.ts: the list of JSONata's functions is
// the installed jsonata's, calls are found wherever they are, and names an expression binds count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import jsonata from 'jsonata';
import { JSONATA_FUNCTIONS, unknownFunctions, unpairedBraces } from '../../definitions/expression-problems';

test('every name in JSONATA_FUNCTIONS is a function of the installed jsonata, and a made-up one is not', async () => {
  for (const name of JSONATA_FUNCTIONS) assert.equal(await jsonata(`$type($${name})`).evaluate({}), 'function', `$${name}`);
  assert.equal(await jsonata('$type($nosuch)').evaluate({}), undefined);
});

test('unknownFunctions finds calls in arguments, chains and partial application; bound names and lambda parameters are known', () => {
  assert.deepEqual(unknownFunctions('$uppercase($nosuch(x))'), ['nosuch']);
  assert.deepEqual(unknownFunctions('items.$mistyped(price) ~> $sum()'), ['mistyped']);
  assert.deepEqual(unknownFunctions('$partial(?, 1)'), ['partial']);
  assert.deepEqual(unknownFunctions('($f := function($g) { $g(1) }; $f($string))'), []);
  assert.deepEqual(unknownFunctions('event.body.data.amount / 100'), []);
});

test('unpairedBraces: paired templates pass; an unclosed {{ and a lone }} are each named with their place', () => {
  assert.deepEqual(unpairedBraces('{{ a }} and {{ b }}'), []);
  assert.deepEqual(unpairedBraces('plain text'), []);
  const [open] = unpairedBraces('{{ a }} and {{ b');
  assert.match(open, /"\{\{" without "\}\}" \(at character 12/);
  const [close] = unpairedBraces('a }} b');
  assert.match(close, /"\}\}" without "\{\{" \(at character 2/);
});
