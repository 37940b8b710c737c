// Integers beyond 2^53 in a webhook body are read exactly, as decimal strings; everything else
// as JSON.parse reads it. Property tests over large ids, signs, nesting and look-alikes in strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseExactJson } from '../../lib/exact-json';

const unsafe = fc.oneof(
  fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: (1n << 64n) - 1n }),
  fc.bigInt({ min: -(1n << 63n), max: -BigInt(Number.MAX_SAFE_INTEGER) - 1n }),
);

test('Shopify\'s order id arrives with every digit', () => {
  const body = parseExactJson('{"id": 820982911946154508, "line_items": [{"id": 866550311766439020, "quantity": 1}], "total": 29.0}');
  assert.deepEqual(body, { id: '820982911946154508', line_items: [{ id: '866550311766439020', quantity: 1 }], total: 29 });
});

test('any integer beyond the safe range, anywhere in the body, is its exact decimal string', () => {
  fc.assert(fc.property(unsafe, fc.integer({ min: 0, max: 3 }), (id, depth) => {
    const wrap = (v: string, d: number): string => (d === 0 ? v : d % 2 ? `{"a":${wrap(v, d - 1)}}` : `[1,${wrap(v, d - 1)}]`);
    const parsed = parseExactJson(wrap(String(id), depth));
    let v: unknown = parsed;
    for (let d = depth; d > 0; d--) v = d % 2 ? (v as { a: unknown }).a : (v as unknown[])[1];
    assert.equal(v, String(id));
  }));
});

test('two ids that differ only in their last digits stay two ids', () => {
  fc.assert(fc.property(unsafe, fc.integer({ min: 1, max: 99 }), (id, delta) => {
    const other = id + BigInt(delta);
    const a = parseExactJson(`{"id":${id}}`) as { id: unknown };
    const b = parseExactJson(`{"id":${other}}`) as { id: unknown };
    assert.notEqual(a.id, b.id);
    assert.equal(BigInt(a.id as string) + BigInt(delta), BigInt(b.id as string));
  }));
});

test('whatever JSON.parse reads exactly is read the same: safe integers, fractions, exponents, text with digits', () => {
  fc.assert(fc.property(fc.jsonValue(), (value) => {
    const text = JSON.stringify(value);
    fc.pre(!/\d{16}/.test(text)); // long digit runs: the next property, and the ones above
    assert.deepEqual(parseExactJson(text), JSON.parse(text));
  }), { numRuns: 300 });
  fc.assert(fc.property(unsafe, (id) => {
    const text = `{"s":"id ${id} \\" ${id}","f":${id}.5,"e":${id}e0,"n":${Number.MAX_SAFE_INTEGER}}`;
    assert.deepEqual(parseExactJson(text), JSON.parse(text), 'digits in text, fractions and exponents are not integers');
  }));
});

test('malformed JSON is still refused', () => {
  assert.throws(() => parseExactJson('{"id": 820982911946154508'), SyntaxError);
  assert.throws(() => parseExactJson('{"id": 8209829119461545080000 1}'), SyntaxError);
});
