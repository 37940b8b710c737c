// Source files: presets fill in how events are read, secrets come from env or files (never inline),
// and every mistake is reported with its position.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSources } from '../../definitions/sources';
import { ROOT } from '../helpers/paths';

const FIXTURES = join(ROOT, 'test/fixtures/ingress/sources');
const ENV = { STRIPE_WEBHOOK_SECRET: 'whsec_a', STRIPE_WEBHOOK_SECRET_OLD: 'whsec_b', GITHUB_WEBHOOK_SECRET: 'gh', SVIX_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', PARTNER_SECRET: 'p' };

function loadText(text: string, env: NodeJS.ProcessEnv = ENV) {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-sources-'));
  const file = join(dir, 'source.yaml');
  writeFileSync(file, text);
  return loadSources([file], env);
}

test('the example source of every preset loads with the preset\'s event fields', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).map((f) => join(FIXTURES, f));
  const { sources, problems } = loadSources(files, ENV);
  assert.deepEqual(problems, []);
  const byName = new Map(sources.map((s) => [s.name, s]));
  assert.deepEqual(byName.get('github')!.event, { id: { header: 'x-github-delivery' }, type: { header: 'x-github-event', appendPath: 'action' } });
  assert.deepEqual(byName.get('shopify')!.event.id, { header: 'x-shopify-webhook-id' });
  assert.deepEqual(byName.get('stripe')!.event, { id: { path: 'id' }, type: { path: 'type' } });
  assert.deepEqual(byName.get('svix')!.event.id, { header: 'webhook-id', or: { header: 'svix-id' } });
  // The file secret is read without its trailing newline; the whsec_ secret is base64-decoded.
  assert.equal(byName.get('shopify')!.verify.secrets[0]!.value.toString(), 'shpss_fixture_secret_for_tests');
  assert.deepEqual(byName.get('svix')!.verify.secrets[0]!.value, Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'));
  assert.equal(byName.get('stripe')!.verify.secrets[1]!.expiresAt?.toISOString(), '2020-01-01T00:00:00.000Z');
  const partner = byName.get('partner')!;
  assert.equal(partner.verify.scheme === 'hmac' && partner.verify.signedPayload, 'v1:{timestamp}:{body}');
  assert.deepEqual(partner.event, { id: { header: 'x-partner-delivery' }, type: { path: 'event.kind' } });
  assert.ok(partner.network?.allow.check('10.1.2.3', 'ipv4'));
});

test('an inline secret is refused by the schema', () => {
  const { problems } = loadText('name: x\nverify:\n  scheme: github\n  secrets:\n    - value: hunter2\n');
  assert.ok(problems.some((p) => p.line === 5 && /unknown property "value"/.test(p.message)), JSON.stringify(problems));
  assert.ok(problems.every((p) => !p.message.includes('hunter2')));
});

test('every mistake is reported with its line: unset variable, hmac-only key on a preset, bad CIDR, bad expiry, unreadable file', () => {
  const { sources, problems } = loadText([
    'name: x',
    'verify:',
    '  scheme: stripe',
    '  header: X-Sig',
    '  secrets:',
    '    - env: NOT_SET_ANYWHERE',
    '    - env: PARTNER_SECRET',
    '      expiresAt: next tuesday',
    '    - file: missing.secret',
    'network:',
    '  allow: [10.0.0.0/33, 192.0.2.1, "2001:db8::/32", nonsense]',
  ].join('\n'));
  assert.equal(sources.length, 0);
  const lines = problems.map((p) => `${p.line}: ${p.message}`).sort();
  assert.deepEqual(lines, [
    '11: "10.0.0.0/33" is not an IP address or CIDR block',
    '11: "nonsense" is not an IP address or CIDR block',
    '4: "header" only applies to scheme hmac',
    '6: environment variable NOT_SET_ANYWHERE is not set',
    '8: expiresAt "next tuesday" is not an ISO 8601 date-time',
    '9: secret file missing.secret cannot be read',
  ].sort());
});

test('a standard-webhooks secret that is not base64 is refused without echoing it', () => {
  const { problems } = loadText('name: x\nverify:\n  scheme: standard-webhooks\n  secrets:\n    - env: S\n', { S: 'whsec_not base64!' });
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.message, /cannot be used: a standard-webhooks secret must be whsec_ followed by base64/);
  assert.ok(!problems[0]!.message.includes('not base64!'));
});

test('a standard-webhooks secret shorter than 24 bytes is refused at its line (whsec_A would be an empty key)', () => {
  for (const [secret, bytes] of [['whsec_A', 0], [`whsec_${Buffer.alloc(23, 7).toString('base64')}`, 23]] as const) {
    const { problems } = loadText('name: x\nverify:\n  scheme: standard-webhooks\n  secrets:\n    - env: S\n', { S: secret });
    assert.equal(problems.length, 1, secret);
    assert.equal(problems[0]!.line, 5);
    assert.match(problems[0]!.message, new RegExp(`must decode to at least 24 bytes, this one has ${bytes}`));
  }
  const { problems } = loadText('name: x\nverify:\n  scheme: standard-webhooks\n  secrets:\n    - env: S\n', { S: `whsec_${Buffer.alloc(24, 7).toString('base64')}` });
  assert.deepEqual(problems, [], '24 bytes is enough');
});

test('toleranceSeconds past an hour is refused at its line and column', () => {
  const text = 'name: x\nverify:\n  scheme: standard-webhooks\n  toleranceSeconds: 86400\n  secrets:\n    - env: S\n';
  const { problems } = loadText(text, { S: `whsec_${Buffer.alloc(24, 7).toString('base64')}` });
  assert.equal(problems.length, 1);
  assert.deepEqual([problems[0]!.line, problems[0]!.column], [4, 21]);
  assert.match(problems[0]!.message, /toleranceSeconds.*3600/);
  assert.deepEqual(loadText(text.replace('86400', '3600'), { S: `whsec_${Buffer.alloc(24, 7).toString('base64')}` }).problems, []);
});
