// The standard-webhooks preset against signatures made by the spec's own library (standardwebhooks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { secretKey } from '../../definitions/source-presets';
import { verifyStandardWebhooks } from '../../verification/standard-webhooks';
import { NOW, NOW_S, outcome, preset, secret } from '../helpers/verification';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const NEXT = `whsec_${randomBytes(32).toString('base64')}`;
const payload = '{"type":"invoice.paid","data":{"id":"inv_1","amount":1200}}';
const body = Buffer.from(payload);
const msgId = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
const key = (s: string) => secret(secretKey('standard-webhooks', s));
const spec = preset('standard-webhooks', [key(SECRET), key(NEXT)]);

function headers(opts: { secret?: string; at?: number; id?: string; prefix?: 'webhook' | 'svix' } = {}): Record<string, string> {
  const at = opts.at ?? NOW_S;
  const signature = new Webhook(opts.secret ?? SECRET).sign(opts.id ?? msgId, new Date(at * 1000), payload);
  const p = opts.prefix ?? 'webhook';
  return { [`${p}-id`]: opts.id ?? msgId, [`${p}-timestamp`]: String(at), [`${p}-signature`]: signature };
}
const verify = (h: Record<string, string>, raw = body, s = spec) => outcome(() => verifyStandardWebhooks(s, h, raw, NOW));

test('accepts signatures from the standardwebhooks library, with any active secret, also under svix-* names', () => {
  assert.equal(verify(headers()), 'ok');
  assert.equal(verify(headers({ secret: NEXT })), 'ok');
  assert.equal(verify(headers({ prefix: 'svix' })), 'ok');
});

test('accepts a signature list where one v1 entry matches', () => {
  const h = headers();
  h['webhook-signature'] = `v1,${Buffer.alloc(32).toString('base64')} v1a,abc ${h['webhook-signature']}`;
  assert.equal(verify(h), 'ok');
});

test('rejects a tampered body, a wrong secret, a changed id, stale and future timestamps, missing headers', () => {
  assert.equal(verify(headers(), Buffer.from(payload.replace('1200', '1300'))), 'signature_invalid');
  assert.equal(verify(headers({ secret: `whsec_${randomBytes(24).toString('base64')}` })), 'signature_invalid');
  assert.equal(verify({ ...headers(), 'webhook-id': 'msg_other' }), 'signature_invalid');
  assert.equal(verify(headers({ at: NOW_S - 301 })), 'signature_stale');
  assert.equal(verify(headers({ at: NOW_S + 301 })), 'signature_stale');
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const h = headers();
    delete h[name];
    assert.equal(verify(h), 'signature_missing', name);
  }
  assert.equal(verify({ ...headers(), 'webhook-signature': 'v2,abc' }), 'signature_invalid');
});

test('an expired secret is no longer accepted', () => {
  const rolled = preset('standard-webhooks', [{ ...key(SECRET), expiresAt: new Date(NOW.getTime() - 1) }, key(NEXT)]);
  assert.equal(verify(headers(), body, rolled), 'signature_invalid');
  assert.equal(verify(headers({ secret: NEXT }), body, rolled), 'ok');
});
