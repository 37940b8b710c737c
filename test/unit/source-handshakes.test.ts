// Handshakes in source files (defaults, checks at file:line) and the answers each one gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSources } from '../../definitions/sources';
import type { SourceDefinition } from '../../definitions/source-types';
import { getHandshake, postHandshake } from '../../server/webhooks/handshakes';
import { NOW, outcome, secret } from '../helpers/verification';

function loadText(text: string, env: NodeJS.ProcessEnv = { S: 'secret', T: 'token' }) {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-handshakes-'));
  writeFileSync(join(dir, 'source.yaml'), text);
  return loadSources([join(dir, 'source.yaml')], env);
}
const base = 'name: x\nverify:\n  scheme: hmac\n  secrets:\n    - env: S\n';

test('handshakes are listed by name or with a verify token; mistakes are reported at their line', () => {
  const ok = loadText(`${base}handshakes:\n  - slack-url-verification\n  - type: hub-subscribe\n    verifyToken: { env: T }\n`);
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.sources[0]!.handshakes.map((h) => h.type), ['slack-url-verification', 'hub-subscribe']);

  const bad = loadText(`${base}handshakes:\n  - type: hub-subscribe\n  - type: zoom-url-validation\n    verifyToken: { env: T }\n  - zoom-url-validation\n  - type: hub-subscribe\n    verifyToken: { env: UNSET }\n`);
  assert.deepEqual(bad.problems.map((p) => `${p.line}: ${p.message}`), [
    '7: hub-subscribe needs a verifyToken',
    '9: "verifyToken" only applies to hub-subscribe',
    '10: handshake zoom-url-validation is listed twice',
    '12: environment variable UNSET is not set',
  ]);
  const unknown = loadText(`${base}handshakes: [facebook-ping]\n`);
  assert.equal(unknown.problems.length > 0, true);
  assert.ok(unknown.problems.every((p) => p.line === 6), JSON.stringify(unknown.problems));
});

const source = (handshakes: SourceDefinition['handshakes'], key = 'zoom-secret'): SourceDefinition => ({
  name: 's', handshakes, event: { id: { path: 'id' }, type: { path: 'type' } }, maxBodyBytes: 1000, body: {},
  verify: { scheme: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', prefix: '', signedPayload: '{body}', toleranceSeconds: 300, secrets: [secret(key)] },
});

test('Zoom: plainToken back with encryptedToken = hex HMAC-SHA256 of it keyed by the secret token', () => {
  const answer = postHandshake(source([{ type: 'zoom-url-validation' }]), { event: 'endpoint.url_validation', payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' }, event_ts: 1654503849680 }, NOW);
  assert.deepEqual(answer?.body, { plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: createHmac('sha256', 'zoom-secret').update('qgg8vlvZRS6UYooatFL8Aw').digest('hex') });
  assert.equal(answer?.eventType, 'endpoint.url_validation');
});

test('a body is only a handshake for a source that answers that handshake', () => {
  assert.equal(postHandshake(source([]), { type: 'url_verification', challenge: 'c' }, NOW), undefined);
  assert.equal(postHandshake(source([{ type: 'slack-url-verification' }]), { type: 1 }, NOW), undefined);
  assert.deepEqual(postHandshake(source([{ type: 'discord-ping' }]), { type: 1, id: 'i' }, NOW)?.body, { type: 1 });
  assert.equal(outcome(() => getHandshake(source([{ type: 'hub-subscribe', verifyTokens: [secret('old', new Date(NOW.getTime() - 1))] }]), { 'hub.mode': 'subscribe', 'hub.verify_token': 'old', 'hub.challenge': '1' }, NOW)), 'signature_invalid');
});
