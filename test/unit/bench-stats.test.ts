// The bench's pure helpers: percentiles, summaries, ratios, /proc parsing, pacing, the event signer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { fmt, percentile, ratePerSecond, ratio, summarizeLatencies, tally } from '../../bench/stats';
import { parseProcStatus } from '../../bench/memory';
import { parseProcStat } from '../../bench/cpu';
import { mergeLaneResults, roundOrder, runLanes, share, slotTime } from '../../bench/lanes';
import { paymentEvent, signedHeaders } from '../../bench/events';
import { formatGoals, formatTable, row } from '../../bench/report';

test('nearest-rank percentiles of a sorted list', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile(xs, 100), 100);
  assert.equal(percentile(xs, 0), 1);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('a latency summary sorts its samples and leaves the input alone', () => {
  const samples = [30, 10, 20, 40];
  const s = summarizeLatencies(samples);
  assert.deepEqual(samples, [30, 10, 20, 40]);
  assert.deepEqual({ count: s.count, p50: s.p50, p99: s.p99, max: s.max, mean: s.mean }, { count: 4, p50: 20, p99: 40, max: 40, mean: 25 });
  assert.ok(Number.isNaN(summarizeLatencies([]).p50));
});

test('rates, ratios and counts say "unknown" instead of dividing by zero', () => {
  assert.equal(ratePerSecond(500, 2000), 250);
  assert.ok(Number.isNaN(ratePerSecond(5, 0)));
  assert.equal(ratio(45, 50), 0.9);
  assert.ok(Number.isNaN(ratio(1, 0)));
  assert.ok(Number.isNaN(ratio(NaN, 2)));
  assert.deepEqual(tally([202, 202, 503, 'started']), { 202: 2, 503: 1, started: 1 });
  assert.equal(fmt(1234.6), '1235');
  assert.equal(fmt(0.75234), '0.752');
  assert.equal(fmt(NaN), '-');
});

test('table rows check the target on the ratio or on the value', () => {
  assert.equal(row('1', 'rate', 90, 100, { ratioAtLeast: 0.9 }).met, true);
  assert.equal(row('1', 'rate', 89, 100, { ratioAtLeast: 0.9 }).met, false);
  assert.equal(row('2', 'p99', 30, 10, { ratioAtMost: 2 }).met, false);
  assert.equal(row('4', 'rss', 151, NaN, { valueAtMost: 150 }).met, false);
  assert.equal(row('4', 'rss', 120, NaN).met, undefined);
});

test('VmRSS and VmHWM come out of /proc/<pid>/status in kB', () => {
  const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t11\n';
  assert.deepEqual(parseProcStatus(status), { rssKb: 102400, hwmKb: 204800 });
  assert.equal(parseProcStatus('Name:\tkthreadd\n'), undefined);
});

test('paced requests are spread evenly, unpaced ones all start at once', () => {
  assert.equal(slotTime(1000, 0, 50), 1000);
  assert.equal(slotTime(1000, 10, 50), 1200);
  assert.equal(slotTime(1000, 10), 1000);
});

test('lanes send each index once, keep within the concurrency, and record failures', async () => {
  let inFlight = 0;
  let most = 0;
  const seen: number[] = [];
  const result = await runLanes({
    count: 25,
    concurrency: 4,
    maxMs: 60_000,
    send: async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      seen.push(i);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      if (i % 5 === 0) throw new Error('boom');
      return 202;
    },
  });
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i));
  assert.equal(most, 4);
  assert.equal(result.sent, 25);
  assert.equal(result.statuses.length, 20);
  assert.equal(result.errors.length, 5);
  assert.equal(result.latencies.length, 20);
});

test('bench events are unique per index and signed as the payments provider signs', () => {
  const a = paymentEvent('t1', 1);
  const b = paymentEvent('t1', 2);
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.data.order_id, b.data.order_id);
  const body = JSON.stringify(a);
  const headers = signedHeaders(body, 'secret', 1_700_000_000_500);
  assert.equal(headers['x-hookflow-timestamp'], '1700000000');
  const expected = createHmac('sha256', 'secret').update(`1700000000.${body}`).digest('hex');
  assert.equal(headers['x-hookflow-signature'], `sha256=${expected}`);
});

test('rounds rotate the order of the sides, and their results add up per side', () => {
  assert.deepEqual([0, 1, 2, 3].map((r) => roundOrder(['a', 'b', 'c'], r).join('')), ['abc', 'bca', 'cab', 'abc']);
  assert.deepEqual([0, 1, 2, 3].map((k) => share(750, 4, k)), [188, 188, 187, 187]);
  assert.deepEqual([0, 1].map((k) => share(1, 2, k)), [1, 0]);
  const merged = mergeLaneResults([
    { sent: 2, elapsedMs: 100, latencies: [1, 2], statuses: [202, 202], errors: [] },
    { sent: 3, elapsedMs: 50, latencies: [3, 4], statuses: [202, 503], errors: ['timeout'] },
  ]);
  assert.deepEqual(merged, { sent: 5, elapsedMs: 150, latencies: [1, 2, 3, 4], statuses: [202, 202, 202, 503], errors: ['timeout'] });
});

test('CPU time and parent come out of /proc/<pid>/stat, even with spaces and brackets in the name', () => {
  const stat = '4242 (my (odd) proc) S 17 4242 4242 0 -1 4194304 123 0 0 0 250 30 0 0 20 0 1 0 321726';
  assert.deepEqual(parseProcStat(stat), { comm: 'my (odd) proc', ppid: 17, cpuMs: 2800 });
  assert.equal(parseProcStat('garbage'), undefined);
});

test('a goal is met only when every row measuring it is met', () => {
  const rows = [
    row('1 accept', 'rate', 95, 100, { goal: 1, ratioAtLeast: 0.9 }),
    row('3 CPU', 'worker ms', 40, NaN, { goal: 3, valueAtMost: 30 }),
    row('1 accept', 'ingress ms', 1.5, NaN, { goal: 3, valueAtMost: 2 }),
    row('2 half load', 'p50', 10, 5),
  ];
  assert.equal(formatGoals(rows), 'goal 1: met\ngoal 3: NOT met (worker ms: 40 vs <= 30)');
  assert.match(formatTable(rows).split('\n')[0], /\| goal \|/);
});
