// Generic HMAC verification: what passes, and the distinct reasons for what does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SignatureError } from '../../lib/errors';
import type { HmacVerification } from '../../definitions/source-types';
import { verifyHmac } from '../../verification/hmac';

const now = new Date('2026-11-23T10:00:00Z');
const ts = String(now.getTime() / 1000);
const body = Buffer.from('{"id":"evt_1","amount":10}');
const spec: HmacVerification = {
  scheme: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=',
  timestampHeader: 'x-ts', signedPayload: '{timestamp}.{body}', toleranceSeconds: 300,
  secrets: [{ ref: 'env:OLD', value: Buffer.from('old-secret') }, { ref: 'env:NEW', value: Buffer.from('new-secret') }],
};
const sign = (secret: string, payload: string) => `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;

function code(fn: () => void): string {
  try { fn(); return 'ok'; } catch (err) { assert.ok(err instanceof SignatureError); return err.code; }
}

test('accepts a signature made with any active secret (rotation)', () => {
  for (const secret of ['old-secret', 'new-secret']) {
    assert.equal(code(() => verifyHmac(spec, { 'x-sig': sign(secret, `${ts}.${body}`), 'x-ts': ts }, body, now)), 'ok');
  }
});

test('rejects a tampered body, a wrong secret, a missing header and a stale or future timestamp', () => {
  const good = sign('new-secret', `${ts}.${body}`);
  assert.equal(code(() => verifyHmac(spec, { 'x-sig': good, 'x-ts': ts }, Buffer.from(body.toString().replace('10', '11')), now)), 'signature_invalid');
  assert.equal(code(() => verifyHmac(spec, { 'x-sig': sign('wrong', `${ts}.${body}`), 'x-ts': ts }, body, now)), 'signature_invalid');
  assert.equal(code(() => verifyHmac(spec, { 'x-ts': ts }, body, now)), 'signature_missing');
  assert.equal(code(() => verifyHmac(spec, { 'x-sig': good }, body, now)), 'signature_missing');
  for (const offset of [-301, 301]) {
    const t = String(Number(ts) + offset);
    assert.equal(code(() => verifyHmac(spec, { 'x-sig': sign('new-secret', `${t}.${body}`), 'x-ts': t }, body, now)), 'signature_stale');
  }
  assert.equal(code(() => verifyHmac(spec, { 'x-sig': good.replace('sha256=', 'sha1='), 'x-ts': ts }, body, now)), 'signature_invalid');
  assert.equal(code(() => verifyHmac(spec, { 'x-sig': 'sha256=zz', 'x-ts': ts }, body, now)), 'signature_invalid');
});

test('base64 encoding without a timestamp signs the raw body alone', () => {
  const b64: HmacVerification = { ...spec, encoding: 'base64', prefix: '', timestampHeader: undefined, signedPayload: '{body}', algorithm: 'sha512' };
  const sig = createHmac('sha512', 'old-secret').update(body).digest('base64');
  assert.equal(code(() => verifyHmac(b64, { 'x-sig': sig }, body, now)), 'ok');
});
