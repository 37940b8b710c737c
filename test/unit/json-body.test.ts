// Body parsing refuses what could hurt later, with a clear reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MalformedBodyError } from '../../lib/errors';
import { MAX_JSON_DEPTH, parseJsonBody, valueAt } from '../../verification/json-body';
import { evaluateExpression } from '../../engine/expressions';

const reason = (raw: Buffer | string) => {
  try { parseJsonBody(Buffer.isBuffer(raw) ? raw : Buffer.from(raw)); return 'ok'; } catch (err) { assert.ok(err instanceof MalformedBodyError); return err.message; }
};

test('parses ordinary JSON, including strings that contain brackets', () => {
  assert.deepEqual(parseJsonBody(Buffer.from('{"a":"[[{{\\"","b":[1,2]}')), { a: '[[{{"', b: [1, 2] });
});

test('rejects invalid JSON, invalid UTF-8, deep nesting and __proto__ keys', () => {
  assert.match(reason('{"a":'), /not valid JSON/);
  assert.match(reason(Buffer.from([0x7b, 0xff, 0x7d])), /UTF-8/);
  assert.match(reason('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1)), /nesting/);
  assert.equal(reason('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)), 'ok');
  assert.match(reason('{"a":{"__proto__":{"polluted":true}}}'), /__proto__/);
  assert.match(reason('[{"b":[{"__proto__":{}}]}]'), /__proto__/);
});

test('flow expressions reach only what a body holds: no constructor.prototype, no inherited members', async () => {
  const body = parseJsonBody(Buffer.from('{"a":{"b":1}}'));
  for (const fast of [true, false]) {
    for (const path of ['constructor', 'a.constructor.prototype', 'toString', '__proto__', 'a.hasOwnProperty']) {
      assert.equal(await evaluateExpression(`event.body.${path}`, { event: { body }, steps: {} }, fast), undefined, `${path} (fast: ${fast})`);
    }
    // A body that has such keys gives its own values.
    const own = parseJsonBody(Buffer.from('{"constructor":{"prototype":{"x":1}}}'));
    assert.deepEqual(await evaluateExpression('event.body.constructor.prototype', { event: { body: own }, steps: {} }, fast), { x: 1 });
  }
});

test('valueAt reads own properties along a dot path only', () => {
  const body = parseJsonBody(Buffer.from('{"data":{"object":{"id":"x"}},"constructor":"c"}'));
  assert.equal(valueAt(body, 'data.object.id'), 'x');
  assert.equal(valueAt(body, 'data.toString'), undefined);
  assert.equal(valueAt(body, 'constructor'), 'c');
});
