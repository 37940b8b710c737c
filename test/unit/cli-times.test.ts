// --since / --until as people type them (cli/times.ts): local time unless a zone is written, and
// never the future. The zone is Europe/Paris here (UTC+1 in December), so local and UTC differ.
process.env.TZ = 'Europe/Paris';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCliTime } from '../../cli/times';
import { UsageError } from '../../cli/args';

const now = new Date('2026-12-06T12:30:00Z'); // 13:30 in Paris

test('HH:MM is local time today, a date-time without a zone is local, with a zone as written', () => {
  assert.equal(parseCliTime('09:00', 'since', now).toISOString(), '2026-12-06T08:00:00.000Z');
  assert.equal(parseCliTime('2026-12-06T09:00', 'since', now).toISOString(), '2026-12-06T08:00:00.000Z');
  assert.equal(parseCliTime('2026-12-06', 'since', now).toISOString(), '2026-12-05T23:00:00.000Z');
  assert.equal(parseCliTime('2026-12-06T09:00+01:00', 'since', now).toISOString(), '2026-12-06T08:00:00.000Z');
  assert.equal(parseCliTime('2026-12-06T09:00Z', 'since', now).toISOString(), '2026-12-06T09:00:00.000Z');
  assert.equal(parseCliTime('7d', 'since', now).toISOString(), '2026-11-29T12:30:00.000Z');
  assert.equal(parseCliTime('90m', 'since', now).toISOString(), '2026-12-06T11:00:00.000Z');
});

test('a time in the future is an error that says when it is, not an empty result', () => {
  // 13:00 UTC is 14:00 in Paris: read as UTC it would be in the past.
  assert.throws(() => parseCliTime('14:00', 'since', now), (err: Error) => err instanceof UsageError && /--since 14:00 is 2026-12-06T14:00:00\+01:00, in the future \(now 2026-12-06T13:30:00\+01:00\); for yesterday write 2026-12-05T14:00/.test(err.message));
  assert.throws(() => parseCliTime('2026-12-06T13:00Z', 'until', now), /--until 2026-12-06T13:00Z is .*in the future/);
});

test('what is not a time says which forms are', () => {
  for (const bad of ['9', '25:00', '2026-02-31', 'yesterday', '2026-12-06T09:00+1']) {
    assert.throws(() => parseCliTime(bad, 'since', now), /is not a time; give HH:MM \(local time today\)/, bad);
  }
});
