// Signing as each provider does (what `hookflow send` posts): accepted by our verifiers and by
// the providers' own libraries; a changed body is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { secretKey } from '../../definitions/source-presets';
import type { HmacVerification, PresetScheme } from '../../definitions/source-types';
import { verifySignature } from '../../verification';
import { signatureHeaders } from '../../verification/sign';
import { NOW, outcome, preset, secret } from '../helpers/verification';

const octokit = import('@octokit/webhooks-methods' as string) as Promise<{ verify(secret: string, payload: string, signature: string): Promise<boolean> }>;
const payload = '{"id":"evt_1","type":"invoice.paid","data":{"amount":1200,"note":"Ünïcode ✓"}}';
const body = Buffer.from(payload);

for (const scheme of ['stripe', 'github', 'shopify', 'standard-webhooks'] as PresetScheme[]) {
  test(`${scheme}: our verifier accepts what we sign, and refuses it for another body`, () => {
    const text = scheme === 'standard-webhooks' ? `whsec_${randomBytes(24).toString('base64')}` : 'a-provider-secret';
    const key = secretKey(scheme, text);
    const spec = preset(scheme, [secret(key)]);
    const headers = signatureHeaders(spec, body, { secret: key, now: NOW, messageId: 'msg_1' });
    assert.equal(outcome(() => verifySignature(spec, headers, body, NOW)), 'ok');
    assert.equal(outcome(() => verifySignature(spec, headers, Buffer.from(payload.replace('1200', '1300')), NOW)), 'signature_invalid');
  });
}

test('the providers\' libraries accept our signatures', async () => {
  const stripeKey = 'whsec_test_0123456789abcdef';
  const stripe = signatureHeaders(preset('stripe', []), body, { secret: Buffer.from(stripeKey) });
  assert.ok(Stripe.webhooks.signature!.verifyHeader(payload, stripe['stripe-signature'], stripeKey, 300));

  const github = signatureHeaders(preset('github', []), body, { secret: Buffer.from('gh-secret') });
  assert.ok(await (await octokit).verify('gh-secret', payload, github['x-hub-signature-256']));

  const shopify = signatureHeaders(preset('shopify', []), body, { secret: Buffer.from('shpss_x') });
  assert.equal(shopify['x-shopify-hmac-sha256'], createHmac('sha256', 'shpss_x').update(body).digest('base64'));

  const whsec = `whsec_${randomBytes(24).toString('base64')}`;
  const sw = signatureHeaders(preset('standard-webhooks', []), body, { secret: secretKey('standard-webhooks', whsec), messageId: 'msg_9' });
  assert.deepEqual(new Webhook(whsec).verify(payload, sw), JSON.parse(payload));
});

test('generic hmac: header, timestamp header and signed payload as the source describes them', () => {
  const spec: HmacVerification = {
    scheme: 'hmac', header: 'x-partner-signature', algorithm: 'sha512', encoding: 'base64', prefix: '', timestampHeader: 'X-Partner-Time',
    signedPayload: 'v1:{timestamp}:{body}', toleranceSeconds: 300, secrets: [secret('partner')],
  };
  const headers = signatureHeaders(spec, body, { secret: Buffer.from('partner'), now: NOW });
  assert.equal(headers['x-partner-time'], String(NOW.getTime() / 1000));
  assert.equal(headers['x-partner-signature'], createHmac('sha512', 'partner').update(`v1:${headers['x-partner-time']}:${payload}`).digest('base64'));
  assert.equal(outcome(() => verifySignature(spec, headers, body, NOW)), 'ok');
});
