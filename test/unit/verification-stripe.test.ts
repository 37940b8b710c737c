// The stripe preset against headers made by Stripe's own library (stripe.webhooks.generateTestHeaderString).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { verifyStripe } from '../../verification/stripe';
import { NOW, NOW_S, outcome, preset, secret } from '../helpers/verification';

const SECRET = 'whsec_test_0123456789abcdef';
const OLD = 'whsec_old_fedcba9876543210';
const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded', data: { object: { amount: 10 } } });
const body = Buffer.from(payload);
const header = (opts: { secret?: string; timestamp?: number; payload?: string } = {}) =>
  Stripe.webhooks.generateTestHeaderString({ payload: opts.payload ?? payload, secret: opts.secret ?? SECRET, timestamp: opts.timestamp ?? NOW_S });
const spec = preset('stripe', [secret(OLD), secret(SECRET)]);
const verify = (headers: Record<string, string>, raw = body, s = spec) => outcome(() => verifyStripe(s, headers, raw, NOW));

test('accepts a header from Stripe\'s library, with any active secret', () => {
  assert.equal(verify({ 'stripe-signature': header() }), 'ok');
  assert.equal(verify({ 'stripe-signature': header({ secret: OLD }) }), 'ok');
  // Stripe's library also verifies what we accept: the two agree on the signed content.
  assert.ok(Stripe.webhooks.signature!.verifyHeader(payload, header(), SECRET, 300, undefined, NOW_S));
});

test('accepts several v1 signatures when one of them matches (Stripe rolling a secret)', () => {
  const good = header().split(',').find((p) => p.startsWith('v1='))!;
  assert.equal(verify({ 'stripe-signature': `t=${NOW_S},v1=${'0'.repeat(64)},${good},v0=abc` }), 'ok');
});

test('rejects a tampered body, a wrong secret, stale and future timestamps, missing or broken headers', () => {
  assert.equal(verify({ 'stripe-signature': header() }, Buffer.from(payload.replace('10', '11'))), 'signature_invalid');
  assert.equal(verify({ 'stripe-signature': header({ secret: 'whsec_wrong' }) }), 'signature_invalid');
  assert.equal(verify({ 'stripe-signature': header({ timestamp: NOW_S - 301 }) }), 'signature_stale');
  assert.equal(verify({ 'stripe-signature': header({ timestamp: NOW_S + 301 }) }), 'signature_stale');
  assert.equal(verify({}), 'signature_missing');
  assert.equal(verify({ 'stripe-signature': `t=${NOW_S}` }), 'signature_invalid');
  assert.equal(verify({ 'stripe-signature': header().replace(/^t=\d+/, 't=soon') }), 'signature_invalid');
  assert.equal(verify({ 'stripe-signature': 'v1=zz,t=,,,==' }), 'signature_invalid');
});

test('an expired secret is no longer accepted; the other one still is', () => {
  const rolled = preset('stripe', [secret(OLD, new Date(NOW.getTime() - 1000)), secret(SECRET)]);
  assert.equal(verify({ 'stripe-signature': header({ secret: OLD }) }, body, rolled), 'signature_invalid');
  assert.equal(verify({ 'stripe-signature': header() }, body, rolled), 'ok');
  const allExpired = preset('stripe', [secret(SECRET, new Date(NOW.getTime() - 1))]);
  assert.equal(verify({ 'stripe-signature': header() }, body, allExpired), 'signature_invalid');
});

test('a custom tolerance is honoured', () => {
  const strict = preset('stripe', [secret(SECRET)], 10);
  assert.equal(verify({ 'stripe-signature': header({ timestamp: NOW_S - 11 }) }, body, strict), 'signature_stale');
  assert.equal(verify({ 'stripe-signature': header({ timestamp: NOW_S - 9 }) }, body, strict), 'ok');
});
