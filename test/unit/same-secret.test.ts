import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameSecret } from '../../lib/same-secret';

test('sameSecret: equal only when every character is, whatever the lengths', () => {
  assert.equal(sameSecret('token-1', 'token-1'), true);
  assert.equal(sameSecret('token-2', 'token-1'), false);
  assert.equal(sameSecret('token-1x', 'token-1'), false);
  assert.equal(sameSecret('', 'token-1'), false);
});
