// The github preset against signatures made by GitHub's own library (@octokit/webhooks-methods).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyGithub } from '../../verification/github';
import { NOW, outcome, preset, secret } from '../helpers/verification';

// The package is ESM-only ("import" condition alone), so it is loaded with a dynamic import.
// (typed here because this project's CommonJS module resolution cannot see its "import"-only types)
const octokit = import('@octokit/webhooks-methods' as string) as Promise<{
  sign(secret: string, payload: string): Promise<string>;
  verify(secret: string, payload: string, signature: string): Promise<boolean>;
}>;
const sign = async (key: string, data: string) => (await octokit).sign(key, data);
const octokitVerify = async (key: string, data: string, sig: string) => (await octokit).verify(key, data, sig);

const SECRET = 'It\'s a Secret to Everybody';
const NEXT = 'the-next-secret';
const payload = JSON.stringify({ action: 'opened', number: 1, pull_request: { title: 'Ünïcode ✓' } });
const body = Buffer.from(payload);
const spec = preset('github', [secret(SECRET), secret(NEXT)]);
const verify = (headers: Record<string, string>, raw = body, s = spec) => outcome(() => verifyGithub(s, headers, raw, NOW));

test('accepts signatures from @octokit/webhooks-methods, with any active secret', async () => {
  assert.equal(verify({ 'x-hub-signature-256': await sign(SECRET, payload) }), 'ok');
  assert.equal(verify({ 'x-hub-signature-256': await sign(NEXT, payload) }), 'ok');
  assert.ok(await octokitVerify(SECRET, payload, await sign(SECRET, payload)), 'the library agrees');
});

test('matches GitHub\'s documented test vector', () => {
  // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
  const documented = preset('github', [secret('It\'s a Secret to Everybody')]);
  const sig = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  assert.equal(outcome(() => verifyGithub(documented, { 'x-hub-signature-256': sig }, Buffer.from('Hello, World!'), NOW)), 'ok');
});

test('rejects a tampered body, a wrong secret, a missing header, the old sha1 header alone, a wrong prefix', async () => {
  const good = await sign(SECRET, payload);
  assert.equal(verify({ 'x-hub-signature-256': good }, Buffer.from(payload.replace('opened', 'closed'))), 'signature_invalid');
  assert.equal(verify({ 'x-hub-signature-256': await sign('wrong', payload) }), 'signature_invalid');
  assert.equal(verify({}), 'signature_missing');
  assert.equal(verify({ 'x-hub-signature': 'sha1=0000' }), 'signature_missing');
  assert.equal(verify({ 'x-hub-signature-256': good.replace('sha256=', 'sha1=') }), 'signature_invalid');
  assert.equal(verify({ 'x-hub-signature-256': `${good}00` }), 'signature_invalid');
});

test('an expired secret is no longer accepted', async () => {
  const rolled = preset('github', [secret(SECRET, new Date(NOW.getTime() - 1)), secret(NEXT)]);
  assert.equal(verify({ 'x-hub-signature-256': await sign(SECRET, payload) }, body, rolled), 'signature_invalid');
  assert.equal(verify({ 'x-hub-signature-256': await sign(NEXT, payload) }, body, rolled), 'ok');
});
