// Destination files checked like flows (every problem at file:line:column), with defaults; the
// pure parts of outbound delivery: which destinations an event type reaches, and the backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { readFileSync, readdirSync } from 'node:fs';
import { loadDestinations } from '../../definitions/destinations';
import { DEFAULT_RETRY, backoffMs, subscribes, typeMatches } from '../../engine/outbound';
import destinationSchema from '../../schemas/destination.schema.json';
import { ROOT } from '../helpers/paths';

const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;

test('the outbound fixtures load, with the defaults filled in and the file\'s schedules read', () => {
  const env = { OUTBOUND_ALPHA_NEW: whsec(), OUTBOUND_ALPHA_OLD: whsec(), OUTBOUND_BETA_KEY: whsec(), OUTBOUND_GAMMA_KEY: whsec(), OUTBOUND_FLAKY_KEY: whsec(), OUTBOUND_ALPHA_URL: 'http://a', OUTBOUND_BETA_URL: 'http://b', OUTBOUND_GAMMA_URL: 'http://c', OUTBOUND_FLAKY_URL: 'http://d', OUTBOUND_PACED_URL: 'http://e' };
  const { destinations, problems } = loadDestinations(join(ROOT, 'test/fixtures/outbound/destinations'), env);
  assert.deepEqual(problems, []);
  const byName = new Map(destinations.map((d) => [d.name, d]));
  assert.deepEqual([...byName.keys()].sort(), ['alpha', 'beta', 'flaky', 'gamma', 'invoices', 'paced']);
  assert.deepEqual(byName.get('beta')!.retry, DEFAULT_RETRY);
  assert.equal(byName.get('beta')!.signing.scheme, 'standard-webhooks');
  assert.deepEqual(byName.get('flaky')!.retry, { ...DEFAULT_RETRY, initialMs: 50, maxIntervalMs: 200, maxAttempts: 100, maxAgeMs: 3_600_000 });
  assert.deepEqual(byName.get('flaky')!.breaker, { consecutiveFailures: 3, probeAfterMs: 300, disableAfterMs: 1500 });
  assert.equal(byName.get('alpha')!.versionHeader, 'webhook-version');
  assert.deepEqual(byName.get('paced')!.rateLimit, { perSecond: 4 });
  assert.equal(byName.get('beta')!.rateLimit, undefined);
});

test('every problem of a destination file is reported at file:line:column with a hint', () => {
  const { destinations, problems } = loadDestinations(join(ROOT, 'test/fixtures/broken-destinations'), { SOME_KEY: whsec(), NOT_WHSEC: 'plain-text' });
  assert.deepEqual(destinations, []);
  const text = problems.map((p) => `${p.file.split('/').pop()}:${p.line}:${p.column} ${p.message}`);
  assert.ok(text.some((t) => /^bad\.yaml:2:6 .*url/.test(t)), text.join('\n'));
  assert.ok(text.some((t) => /^bad\.yaml:7:20 .*initialInterval/.test(t)), text.join('\n'));
  assert.ok(text.some((t) => /^unknown\.yaml:6:10 unknown property "retries"/.test(t)), text.join('\n'));
  assert.ok(text.some((t) => /^rules\.yaml:5:13 secret NOT_WHSEC is not a Standard Webhooks secret/.test(t)), text.join('\n'));
  assert.ok(text.some((t) => /^rules\.yaml:8:17 disableAfter is shorter than probeAfter/.test(t)), text.join('\n'));
  const missing = loadDestinations(join(ROOT, 'test/fixtures/outbound/destinations'), {}).problems;
  assert.ok(missing.some((p) => p.message === 'secret OUTBOUND_BETA_KEY is not set' && /set OUTBOUND_BETA_KEY/.test(p.hint ?? '')));
});

test('a folder that does not exist holds no destinations', () => {
  assert.deepEqual(loadDestinations(join(ROOT, 'no-such-folder'), {}), { destinations: [], problems: [] });
});

test('the editor schema accepts the fixtures and refuses a misspelt key', () => {
  const validate = new Ajv({ strict: false }).compile(destinationSchema);
  const dir = join(ROOT, 'test/fixtures/outbound/destinations');
  for (const f of readdirSync(dir)) assert.ok(validate(parse(readFileSync(join(dir, f), 'utf8'))), `${f}: ${JSON.stringify(validate.errors)}`);
  assert.equal(validate({ name: 'x', url: 'https://x', events: ['a'], signing: { secrets: ['K'] }, retries: 1 }), false);
});

test('event type patterns: exact, prefix.* and *', () => {
  assert.ok(typeMatches('order.*', 'order.paid'));
  assert.ok(typeMatches('order.*', 'order.line.added'));
  assert.ok(!typeMatches('order.*', 'orders.paid'));
  assert.ok(!typeMatches('order.*', 'order'));
  assert.ok(typeMatches('*', 'anything'));
  assert.ok(!typeMatches('order.paid', 'order.paid.late'));
  assert.ok(subscribes(['invoice.*', 'order.paid'], 'order.paid'));
  assert.ok(!subscribes(['invoice.*'], 'order.paid'));
});

test('backoff grows exponentially up to maxInterval, jitter only shortens it', () => {
  const retry = { ...DEFAULT_RETRY, initialMs: 1000, maxIntervalMs: 10_000, multiplier: 2, jitter: 0.5 };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, retry, 0)), [1000, 2000, 4000, 8000, 10_000, 10_000]);
  assert.equal(backoffMs(3, retry, 0.999), 2002);
  assert.equal(backoffMs(3, { ...retry, jitter: 0 }, 0.999), 4000);
});
