// Console sign-in throttling, on an injected clock: wrong tokens per address and in total.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginThrottle } from '../../server/console/login-throttle';

test('five wrong tokens from one address make it wait out the window; other addresses still try; a right token clears it', () => {
  let now = 1_000_000;
  const throttle = loginThrottle({ perAddress: 5, global: 100, windowMs: 60_000, clock: { now: () => now } });
  for (let i = 0; i < 4; i++) { assert.equal(throttle.waitSeconds('a'), 0); throttle.failed('a'); now += 1000; }
  assert.equal(throttle.waitSeconds('a'), 0, 'four wrong: may try again');
  throttle.failed('a');
  assert.equal(throttle.waitSeconds('a'), 56, 'five wrong within the window: waits until the first (4 s ago) leaves it');
  assert.equal(throttle.waitSeconds('b'), 0, 'another address is not held');
  now += 56_000;
  assert.equal(throttle.waitSeconds('a'), 0, 'the first failure left the window');
  throttle.succeeded('a');
  throttle.failed('a');
  assert.equal(throttle.waitSeconds('a'), 0, 'a right token cleared the count');
});

test('wrong tokens from many addresses past the global bound make every sign-in wait', () => {
  let now = 0;
  const throttle = loginThrottle({ perAddress: 5, global: 10, windowMs: 60_000, clock: { now: () => now } });
  for (let i = 0; i < 10; i++) { throttle.failed(`10.0.0.${i}`); now += 100; }
  assert.ok(throttle.waitSeconds('192.0.2.1') > 0, 'a fresh address waits too');
  now += 60_000;
  assert.equal(throttle.waitSeconds('192.0.2.1'), 0);
});
