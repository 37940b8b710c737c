// validate finds what start-up and the first request would: keys that do not apply to a scheme, a
// URL-signed preset without its URL, an unsigned timestamp, a timestamp header that is the
// signature header, a malformed public key. Each at its line, with a hint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSources } from '../../definitions/sources';
import { verifyHmac } from '../../verification/hmac';
import { signatureHeaders, twilioBodyQuery } from '../../verification/sign';
import { verifySignature } from '../../verification';
import { NOW, NOW_S, outcome } from '../helpers/verification';

const ENV = { S: 'secret', BAD_KEY: 'not-a-key', RSA: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64') };

function load(lines: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-verify-'));
  writeFileSync(join(dir, 's.yaml'), lines.join('\n'));
  return loadSources([join(dir, 's.yaml')], ENV);
}
const problems = (lines: string[]) => load(lines).problems.map((p) => `${p.line}:${p.column}: ${p.message}${p.hint ? ' | hint' : ''}`);

test('a timestamp header that is the signature header, an unsigned timestamp, an unsigned body', () => {
  assert.deepEqual(problems([
    'name: x',
    'verify:',
    '  scheme: hmac',
    '  header: Paddle-Signature',
    '  timestampHeader: paddle-signature',
    '  signedPayload: "{body}"',
    '  secrets: [{ env: S }]',
  ]), [
    '5:20: timestampHeader is the signature header (Paddle-Signature) | hint',
    '6:18: signedPayload has no {timestamp} while a timestamp is read: the timestamp would not be signed, so anyone could refresh it | hint',
  ]);
  assert.deepEqual(problems(['name: x', 'verify:', '  scheme: hmac', '  signedPayload: "{timestamp}"', '  secrets: [{ env: S }]']), [
    '4:18: signedPayload uses {timestamp} but no timestamp is read | hint',
    '4:18: signedPayload has no {body}: the body would not be signed | hint',
  ]);
});

test('keys that do not apply to a preset; a URL-signed preset without or with a bad publicUrl', () => {
  assert.deepEqual(problems(['name: x', 'verify:', '  scheme: github', '  toleranceSeconds: 60', '  parts: { signature: v1 }', '  publicUrl: https://a.example/x', '  secrets: [{ env: S }]']), [
    '5:10: "parts" only applies to scheme hmac | hint',
    '4:21: "toleranceSeconds" does not apply to scheme github: it signs no timestamp | hint',
    '6:14: "publicUrl" does not apply to scheme github | hint',
  ]);
  assert.deepEqual(problems(['name: x', 'verify:', '  scheme: twilio', '  secrets: [{ env: S }]']), ['3:3: scheme twilio signs the URL it posts to: set verify.publicUrl | hint']);
  assert.deepEqual(problems(['name: x', 'verify:', '  scheme: square', '  publicUrl: "https://a.example/x?y=1"', '  secrets: [{ env: S }]']).length, 1);
});

test('a malformed public key fails at its line without echoing it', () => {
  for (const scheme of ['discord', 'sendgrid']) {
    for (const env of ['BAD_KEY', 'RSA']) {
      const found = load(['name: x', 'verify:', `  scheme: ${scheme}`, '  secrets:', `    - env: ${env}`]).problems;
      assert.equal(found.length, 1, `${scheme} ${env}`);
      assert.equal(found[0]!.line, 5);
      assert.match(found[0]!.message, new RegExp(`cannot be used: a ${scheme} (public|verification) key`));
      assert.ok(!found[0]!.message.includes('not-a-key'));
    }
  }
});

test('generic hmac with key=value parts (what Paddle needs): several signatures, the timestamp part checked', () => {
  const { sources, problems: found } = load(['name: x', 'verify:', '  scheme: hmac', '  header: Paddle-Signature', '  parts: { separator: ";", timestamp: ts, signature: h1 }', '  signedPayload: "{timestamp}:{body}"', '  secrets: [{ env: S }]']);
  assert.deepEqual(found, []);
  const spec = sources[0]!.verify;
  assert.ok(spec.scheme === 'hmac');
  const body = Buffer.from('{"event_id":"evt_1"}');
  const h1 = (ts: number, key = 'secret') => createHmac('sha256', key).update(`${ts}:${body}`).digest('hex');
  const verify = (header: string) => outcome(() => verifyHmac(spec, { 'paddle-signature': header }, body, NOW));
  assert.equal(verify(`ts=${NOW_S};h1=${h1(NOW_S, 'old')};h1=${h1(NOW_S)}`), 'ok');
  assert.equal(verify(`ts=${NOW_S};h1=${h1(NOW_S, 'old')}`), 'signature_invalid');
  assert.equal(verify(`ts=${NOW_S - 301};h1=${h1(NOW_S - 301)}`), 'signature_stale');
  assert.equal(verify(`ts=${NOW_S + 1};h1=${h1(NOW_S)}`), 'signature_invalid');
  assert.equal(verify(`h1=${h1(NOW_S)}`), 'signature_invalid');
  // The CLI's signer writes the same header shape.
  assert.equal(outcome(() => verifyHmac(spec, signatureHeaders(spec, body, { secret: Buffer.from('secret'), now: NOW }), body, NOW)), 'ok');
});

test('the signer and the verifier agree for every shared-secret preset', () => {
  const body = Buffer.from('{"id":"e1","type":"t"}');
  for (const scheme of ['slack', 'zoom', 'paddle', 'square', 'twilio'] as const) {
    const spec = { scheme, toleranceSeconds: 300, secrets: [{ ref: 'env:S', value: Buffer.from('k') }], ...(scheme === 'square' || scheme === 'twilio' ? { publicUrl: 'https://h.example/webhooks/x' } : {}) };
    const query = scheme === 'twilio' ? twilioBodyQuery(body) : '';
    const headers = signatureHeaders(spec, body, { secret: Buffer.from('k'), now: NOW, requestUrl: `/webhooks/x${query}` });
    assert.equal(outcome(() => verifySignature(spec, { 'content-type': 'application/json', ...headers }, body, NOW, `/webhooks/x${query}`)), 'ok', scheme);
    assert.equal(outcome(() => verifySignature({ ...spec, secrets: [{ ref: 'env:S', value: Buffer.from('other') }] }, { 'content-type': 'application/json', ...headers }, body, NOW, `/webhooks/x${query}`)), 'signature_invalid', scheme);
  }
});
