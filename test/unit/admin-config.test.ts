// Admin API settings: off without a token, a short token refused, UI links default to the dev stack's UI.
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
