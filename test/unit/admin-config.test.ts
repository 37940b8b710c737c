// Admin API settings: off without a token, a short token refused, UI links default to the dev stack's UI; production refuses development defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/errors';
import { loadConfig } from '../../lib/config';

test('the admin API is off by default; links go to the dev stack\'s Temporal UI', () => {
  const d = loadConfig({});
  assert.equal(d.adminToken, undefined);
  assert.equal(d.temporalUiUrl, 'http://127.0.0.1:8233');
  assert.equal(d.replayConcurrency, 4);
  const c = loadConfig({ HOOKFLOW_ADMIN_TOKEN: 'a-long-enough-admin-token', TEMPORAL_UI_URL: 'https://temporal.example.com/', HOOKFLOW_REPLAY_CONCURRENCY: '8' });
  assert.deepEqual([c.adminToken, c.temporalUiUrl, c.replayConcurrency], ['a-long-enough-admin-token', 'https://temporal.example.com', 8]);
});

test('a short token, a non-http UI URL or a huge concurrency stop start-up naming the variable', () => {
  for (const [name, value] of [['HOOKFLOW_ADMIN_TOKEN', 'short'], ['TEMPORAL_UI_URL', 'ftp://ui'], ['HOOKFLOW_REPLAY_CONCURRENCY', '1000'], ['HOOKFLOW_REPLAY_CONCURRENCY', '0']]) {
    assert.throws(() => loadConfig({ [name]: value }), (err: unknown) => err instanceof ConfigError && err.message.startsWith(`${name} must`), `${name}=${value}`);
  }
});

test('production refuses the development defaults, naming the variable; development and tests do not', () => {
  // Production also needs payload keys (test/unit/payload-codec.test.ts); given here, so only the defaults are at stake.
  const KEYS = { HOOKFLOW_PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` };
  const refused = (env: NodeJS.ProcessEnv, names: RegExp) => assert.throws(() => loadConfig({ ...KEYS, ...env }), (err: unknown) => err instanceof ConfigError && names.test(err.message) && /development default/.test(err.message));
  refused({ HOOKFLOW_ENV: 'production', HOOKFLOW_ADMIN_TOKEN: 'dev-admin-token-change-me' }, /^HOOKFLOW_ADMIN_TOKEN holds/);
  refused({ NODE_ENV: 'production', PAYMENTS_WEBHOOK_SECRET: 'dev-secret-change-me' }, /^PAYMENTS_WEBHOOK_SECRET holds/);
  refused({ NODE_ENV: 'production', SHOPIFY_WEBHOOK_SECRET: 'dev-secret-change-me', HOOKFLOW_ADMIN_TOKEN: 'dev-admin-token-change-me' }, /^HOOKFLOW_ADMIN_TOKEN, SHOPIFY_WEBHOOK_SECRET hold/);
  assert.equal(loadConfig({ HOOKFLOW_ADMIN_TOKEN: 'dev-admin-token-change-me', PAYMENTS_WEBHOOK_SECRET: 'dev-secret-change-me' }).adminToken, 'dev-admin-token-change-me', 'npm start and tests');
  assert.ok(loadConfig({ NODE_ENV: 'production', HOOKFLOW_ENV: 'development', HOOKFLOW_ADMIN_TOKEN: 'dev-admin-token-change-me' }));
  assert.ok(loadConfig({ ...KEYS, HOOKFLOW_ENV: 'production', HOOKFLOW_ADMIN_TOKEN: 'a-real-token-0123456789abcdef' }));
  assert.throws(() => loadConfig({ HOOKFLOW_ENV: 'prod' }), /HOOKFLOW_ENV must be/);
});

test('the admin listener answers loopback names (and ADMIN_HOST) unless told otherwise; a metrics token has a minimum length', () => {
  assert.deepEqual(loadConfig({}).adminAllowedHosts, ['localhost', '127.0.0.1', '::1']);
  assert.deepEqual(loadConfig({ ADMIN_HOST: '0.0.0.0' }).adminAllowedHosts, ['localhost', '127.0.0.1', '::1']);
  assert.deepEqual(loadConfig({ ADMIN_HOST: '10.0.0.5' }).adminAllowedHosts, ['localhost', '127.0.0.1', '::1', '10.0.0.5']);
  assert.deepEqual(loadConfig({ HOOKFLOW_ADMIN_ALLOWED_HOSTS: 'Admin.Example.com, 10.0.0.5' }).adminAllowedHosts, ['admin.example.com', '10.0.0.5']);
  assert.throws(() => loadConfig({ HOOKFLOW_ADMIN_ALLOWED_HOSTS: 'admin.example.com:3002' }), /HOOKFLOW_ADMIN_ALLOWED_HOSTS must/);
  assert.deepEqual(loadConfig({ HOOKFLOW_ADMIN_ALLOWED_HOSTS: '::1,fd00::5' }).adminAllowedHosts, ['::1', 'fd00::5']);
  assert.throws(() => loadConfig({ HOOKFLOW_METRICS_TOKEN: 'short' }), /HOOKFLOW_METRICS_TOKEN must/);
  assert.deepEqual(loadConfig({}).adminTrustedProxies, [], 'no proxy is believed by default');
  assert.deepEqual(loadConfig({ HOOKFLOW_ADMIN_TRUSTED_PROXIES: '10.0.0.7, fd00::7' }).adminTrustedProxies, ['10.0.0.7', 'fd00::7']);
  assert.throws(() => loadConfig({ HOOKFLOW_ADMIN_TRUSTED_PROXIES: 'proxy.internal' }), /HOOKFLOW_ADMIN_TRUSTED_PROXIES must/);
  assert.deepEqual(loadConfig({ HOOKFLOW_ADMIN_TRUSTED_PROXIES: '10.0.0.0/8,FD00::/8, 192.0.2.1/32' }).adminTrustedProxies, ['10.0.0.0/8', 'fd00::/8', '192.0.2.1/32'], 'CIDR ranges, IPv4 and IPv6');
  for (const bad of ['10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/8', '10.0.0.0/', '10.0.0/8', '10.0.0.0/x', '10.0.0.0/-1']) {
    assert.throws(() => loadConfig({ HOOKFLOW_ADMIN_TRUSTED_PROXIES: `10.0.0.7,${bad}` }), (err: Error) => err.message.startsWith('HOOKFLOW_ADMIN_TRUSTED_PROXIES must') && err.message.includes(`"${bad}"`), bad);
  }
});
