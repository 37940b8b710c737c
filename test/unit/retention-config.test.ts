// The retention settings: defaults, overrides, and a clear error for a wrong value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/errors';
import { loadConfig } from '../../lib/config';

test('retention defaults to 30 days, cleaned up every 10 minutes, and both can be set', () => {
  const d = loadConfig({});
  assert.deepEqual([d.retentionDays, d.purgeEveryMs], [30, 600_000]);
  const c = loadConfig({ HOOKFLOW_RETENTION_DAYS: '7', HOOKFLOW_PURGE_EVERY_MS: '60000' });
  assert.deepEqual([c.retentionDays, c.purgeEveryMs], [7, 60_000]);
});

test('a wrong retention setting stops start-up naming the variable', () => {
  for (const [name, value] of [['HOOKFLOW_RETENTION_DAYS', '0'], ['HOOKFLOW_RETENTION_DAYS', 'a week'], ['HOOKFLOW_PURGE_EVERY_MS', '10']]) {
    assert.throws(() => loadConfig({ [name!]: value }), (err: unknown) => err instanceof ConfigError && err.message.startsWith(`${name} must be`));
  }
});
