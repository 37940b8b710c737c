// The ingress's delivery settings come from the environment, with defaults, and fail fast when wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/errors';
import { loadConfig } from '../../lib/config';

test('delivery settings have defaults and can be set', () => {
  const d = loadConfig({});
  assert.deepEqual([d.dedupeWindowSeconds, d.deliveryBodyBytes, d.startDeadlineMs, d.relayPollMs], [604800, 65536, 3000, 1000]);
  const c = loadConfig({ HOOKFLOW_DEDUPE_WINDOW_SECONDS: '60', HOOKFLOW_DELIVERY_BODY_BYTES: '0', HOOKFLOW_START_DEADLINE_MS: '500', HOOKFLOW_RELAY_POLL_MS: '50' });
  assert.deepEqual([c.dedupeWindowSeconds, c.deliveryBodyBytes, c.startDeadlineMs, c.relayPollMs], [60, 0, 500, 50]);
});

test('a wrong value stops start-up with a message naming the variable', () => {
  for (const [name, value] of [['HOOKFLOW_DEDUPE_WINDOW_SECONDS', '0'], ['HOOKFLOW_DELIVERY_BODY_BYTES', '-1'], ['HOOKFLOW_START_DEADLINE_MS', '1.5'], ['HOOKFLOW_RELAY_POLL_MS', 'soon']]) {
    assert.throws(() => loadConfig({ [name!]: value }), (err: unknown) => err instanceof ConfigError && err.message.startsWith(`${name} must be`));
  }
});
