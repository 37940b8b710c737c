// The pure parts of batching, the concurrency setting and the breaker's failure-rate rule: the
// destination files' new settings, a batch's body, and the failure rate over a sliding window
// with an injected clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadDestinations } from '../../definitions/destinations';
import { batchBody, batchVersion } from '../../engine/outbound-batch';
import { bucketMs, bucketStart, failureRate, failureRateReason } from '../../engine/outbound-breaker';
import type { OutboundMessage } from '../../engine/outbound';
import { ROOT } from '../helpers/paths';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { readFileSync, readdirSync } from 'node:fs';
import destinationSchema from '../../schemas/destination.schema.json';

const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;

test('batch, concurrency and breaker.failureRate are read from destination files, with minAttempts defaulting to 20', () => {
  const env = { OUTBOUND_BATCHED_KEY: whsec(), OUTBOUND_SERIAL_KEY: whsec(), OUTBOUND_FAILING_KEY: whsec(), OUTBOUND_BATCHED_URL: 'http://a', OUTBOUND_SERIAL_URL: 'http://b', OUTBOUND_FAILING_URL: 'http://c' };
  const { destinations, problems } = loadDestinations(join(ROOT, 'test/fixtures/outbound-batch/destinations'), env);
  assert.deepEqual(problems, []);
  const byName = new Map(destinations.map((d) => [d.name, d]));
  assert.deepEqual(byName.get('batched')!.batch, { maxEvents: 3, maxWaitMs: 3000 });
  assert.equal(byName.get('batched')!.concurrency, undefined);
  assert.equal(byName.get('serial')!.concurrency, 1);
  assert.equal(byName.get('serial')!.batch, undefined);
  assert.deepEqual(byName.get('failing')!.breaker.failureRate, { over: 0.5, windowMs: 60_000, minAttempts: 6 });
  assert.equal(byName.get('batched')!.breaker.failureRate, undefined);
});

test('destination files with a bad batch, concurrency or failureRate are refused at file:line:column', () => {
  const { destinations, problems } = loadDestinations(join(ROOT, 'test/fixtures/broken-destinations-batch'), { SOME_KEY: whsec() });
  assert.deepEqual(destinations, []);
  const text = problems.map((p) => `${p.file.split('/').pop()}:${p.line}:${p.column} ${p.message}`);
  assert.ok(text.some((t) => /^batch\.yaml:6:\d+ .*maxWait/.test(t)), text.join('\n'));
  assert.ok(text.some((t) => /^batch\.yaml:7:\d+ .*concurrency/.test(t)), text.join('\n'));
  assert.ok(text.some((t) => /^batch\.yaml:8:\d+ .*over/.test(t)), text.join('\n'));
});

test('a batch body lists each member in the single-delivery shape; the version header only when all share one', () => {
  const m = (id: string, version?: string): OutboundMessage => ({ id, type: 'order.paid', ...(version && { version }), data: { id }, publishedAt: `2026-12-06T10:00:0${id.slice(-1)}.000Z` });
  assert.deepEqual(batchBody([m('m1', '2'), m('m2')]), {
    type: 'batch', timestamp: '2026-12-06T10:00:01.000Z',
    data: [{ type: 'order.paid', timestamp: '2026-12-06T10:00:01.000Z', version: '2', data: { id: 'm1' } }, { type: 'order.paid', timestamp: '2026-12-06T10:00:02.000Z', data: { id: 'm2' } }],
  });
  assert.equal(batchVersion([m('m1', '2'), m('m2', '2')]), '2');
  assert.equal(batchVersion([m('m1', '2'), m('m2')]), undefined);
  assert.equal(batchVersion([m('m1', '2'), m('m2', '3')]), undefined);
});

test('the failure rate trips over the threshold once minAttempts were made within the window, and forgets what left it', () => {
  const s = { over: 0.5, windowMs: 300_000, minAttempts: 20 };
  assert.equal(bucketMs(s.windowMs), 30_000);
  assert.equal(bucketMs(5_000), 1000, 'at least a second');
  let now = Date.parse('2026-12-06T10:00:00Z');
  const buckets = new Map<number, { start: number; attempts: number; failures: number }>();
  const count = (ok: boolean) => {
    const start = bucketStart(now, s.windowMs);
    const b = buckets.get(start) ?? { start, attempts: 0, failures: 0 };
    b.attempts++;
    if (!ok) b.failures++;
    buckets.set(start, b);
  };
  // 19 attempts, 15 failed: over the threshold, but too few attempts.
  for (let i = 0; i < 19; i++) { count(i < 4); now += 1000; }
  assert.deepEqual(failureRate([...buckets.values()], s, now), { attempts: 19, failures: 15, rate: 15 / 19, trips: false });
  count(true);
  const r = failureRate([...buckets.values()], s, now);
  assert.deepEqual(r, { attempts: 20, failures: 15, rate: 0.75, trips: true });
  assert.equal(failureRateReason(r, s), '75% of 20 attempts failed within 300 s (over 50%)');
  // Made active again (a probe succeeded, or an operator resumed it): what came before no longer counts.
  assert.deepEqual(failureRate([...buckets.values()], s, now, now), { attempts: 0, failures: 0, rate: 0, trips: false });
  assert.equal(failureRate([...buckets.values()], s, now, now - 300_000).attempts, 20);
  // Exactly at the threshold does not trip: "over" means more than.
  assert.equal(failureRate([{ start: now, attempts: 20, failures: 10 }], s, now).trips, false);
  // Ten minutes later those attempts have left the window: 20 fresh successes and 5 failures do not trip it.
  now += 600_000;
  assert.equal(failureRate([...buckets.values()], s, now).attempts, 0);
  for (let i = 0; i < 25; i++) { count(i < 20); now += 1000; }
  assert.deepEqual(failureRate([...buckets.values()], s, now), { attempts: 25, failures: 5, rate: 0.2, trips: false });
});

test('the editor schema accepts the batch, concurrency and failure-rate fixtures and refuses a batch without maxWait', () => {
  const validate = new Ajv({ strict: false }).compile(destinationSchema);
  for (const dir of ['test/fixtures/outbound-batch/destinations', 'test/fixtures/outbound-batch-continue']) {
    for (const f of readdirSync(join(ROOT, dir))) assert.ok(validate(parse(readFileSync(join(ROOT, dir, f), 'utf8'))), `${f}: ${JSON.stringify(validate.errors)}`);
  }
  assert.equal(validate({ name: 'x', url: 'https://x', events: ['a'], signing: { secrets: ['K'] }, batch: { maxEvents: 5 } }), false);
});
