// Body parsing refuses what could hurt later, with a clear reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MalformedBodyError } from '../../lib/errors';
import { MAX_JSON_DEPTH, parseJsonBody, valueAt } from '../../server/json-body';

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
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('valueAt reads own properties along a dot path only', () => {
  const body = parseJsonBody(Buffer.from('{"data":{"object":{"id":"x"}},"constructor":"c"}'));
  assert.equal(valueAt(body, 'data.object.id'), 'x');
  assert.equal(valueAt(body, 'data.toString'), undefined);
  assert.equal(valueAt(body, 'constructor'), 'c');
});
