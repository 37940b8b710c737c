// The shopify preset. Shopify publishes no signing library worth depending on; the signature is
// computed exactly as Shopify documents it: base64(HMAC-SHA256(client secret, raw body)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { verifyShopify } from '../../verification/shopify';
import { NOW, outcome, preset, secret } from '../helpers/verification';

const SECRET = 'shpss_0123456789abcdef';
const NEXT = 'shpss_next';
const payload = '{"id":820982911946154508,"email":"jon@example.com","note":"naïve café"}';
const body = Buffer.from(payload);
const shopifySign = (key: string, raw: Buffer) => createHmac('sha256', key).update(raw).digest('base64');
const spec = preset('shopify', [secret(SECRET), secret(NEXT)]);
const verify = (headers: Record<string, string>, raw = body, s = spec) => outcome(() => verifyShopify(s, headers, raw, NOW));

test('accepts the documented signature with any active secret', () => {
  assert.equal(verify({ 'x-shopify-hmac-sha256': shopifySign(SECRET, body) }), 'ok');
  assert.equal(verify({ 'x-shopify-hmac-sha256': shopifySign(NEXT, body) }), 'ok');
});

test('verifies the raw bytes, not a re-encoding of the JSON', () => {
  // Re-serialising would lose the big id's digits and the exact spacing; the raw bytes are what Shopify signed.
  const reencoded = Buffer.from(JSON.stringify(JSON.parse(payload)));
  assert.notEqual(reencoded.toString(), payload);
  assert.equal(verify({ 'x-shopify-hmac-sha256': shopifySign(SECRET, body) }, reencoded), 'signature_invalid');
});

test('rejects a tampered body, a wrong secret, a missing header, a hex signature', () => {
  const good = shopifySign(SECRET, body);
  assert.equal(verify({ 'x-shopify-hmac-sha256': good }, Buffer.from(payload.replace('jon', 'joe'))), 'signature_invalid');
  assert.equal(verify({ 'x-shopify-hmac-sha256': shopifySign('wrong', body) }), 'signature_invalid');
  assert.equal(verify({}), 'signature_missing');
  assert.equal(verify({ 'x-shopify-hmac-sha256': createHmac('sha256', SECRET).update(body).digest('hex') }), 'signature_invalid');
});

test('an expired secret is no longer accepted', () => {
  const rolled = preset('shopify', [secret(SECRET, new Date(NOW.getTime() - 1)), secret(NEXT)]);
  assert.equal(verify({ 'x-shopify-hmac-sha256': shopifySign(SECRET, body) }, body, rolled), 'signature_invalid');
  assert.equal(verify({ 'x-shopify-hmac-sha256': shopifySign(NEXT, body) }, body, rolled), 'ok');
});
