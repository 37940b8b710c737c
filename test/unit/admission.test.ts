// Admission control on the test's clock: how many requests are admitted at once, given how fast
// admitted requests complete and how long they take. Requests are held by promises the test resolves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Koa from 'koa';
import { UnavailableError } from '../../lib/errors';
import { admissionControl, type AdmissionOptions } from '../../server/admission';

function harness(opts: AdmissionOptions) {
  let now = 0;
  const admission = admissionControl({ ...opts, now: () => now });
  const advance = (ms: number) => { now += ms; };
  /** Starts a request; resolves "refused" or "admitted", and the admitted one ends when `finish` is called. */
  const request = () => {
    let finish!: () => void;
    const held = new Promise<void>((r) => { finish = r; });
    const done = admission.middleware({} as Koa.Context, () => held);
    return { finish, outcome: done.then(() => 'admitted', (e: unknown) => (e instanceof UnavailableError && e.retryAfterSeconds === 1 ? 'refused' : 'other')) };
  };
  /** `n` requests one after another, each taking `ms`. */
  const oneByOne = async (n: number, ms: number) => {
    for (let i = 0; i < n; i++) {
      const r = request();
      advance(ms);
      r.finish();
      assert.equal(await r.outcome, 'admitted');
    }
  };
  /** Starts requests until one is refused; returns the admitted ones (still held). */
  const fill = async () => {
    const held = [];
    for (;;) {
      const r = request();
      if (admission.inFlight() === held.length) {
        assert.equal(await r.outcome, 'refused', 'the one past the bound is refused at once, with 503 + Retry-After');
        return held;
      }
      held.push(r);
    }
  };
  const release = async (held: ReturnType<typeof request>[]) => { for (const r of held) { r.finish(); await r.outcome; } };
  return { admission, request, advance, oneByOne, fill, release };
}

test('fixed bound (target 0): at most maxInFlight at once; the next is refused with 503 + Retry-After, later ones admitted again', async () => {
  const h = harness({ maxInFlight: 3, targetMs: 0 });
  const held = [h.request(), h.request(), h.request()];
  assert.equal(h.admission.inFlight(), 3);
  assert.equal(await h.request().outcome, 'refused');
  held[0].finish();
  assert.equal(await held[0].outcome, 'admitted');
  const next = h.request();
  assert.equal(h.admission.inFlight(), 3, 'a place freed is taken again');
  await h.release([...held.slice(1), next]);
  assert.equal(h.admission.refused(), 1);
});

test('the bound grows with the completion rate: rate × (no-queue answer time + target), and a burst past it is refused at once', async () => {
  const h = harness({ maxInFlight: 100, targetMs: 500, floor: 2 });
  assert.equal(h.admission.bound(), 2, 'nothing measured yet: the floor');
  await h.oneByOne(20, 10); // 20 in 200 ms, 10 ms each with nothing queued
  assert.equal(h.admission.bound(), Math.ceil((20 / 1000) * (10 + 500)));
  const held = await h.fill();
  assert.equal(held.length, 11, 'a burst gets 11 admitted and the 12th refused');
  await h.release(held);
  await h.oneByOne(60, 10); // faster still: 80 completions within the last second
  assert.ok(h.admission.bound() > 11, `the bound followed the rate up (${h.admission.bound()})`);
});

test('the bound shrinks when answers slow down from queueing, and never falls below the floor', async () => {
  const h = harness({ maxInFlight: 100, targetMs: 500, floor: 2 });
  await h.oneByOne(40, 10);
  const before = h.admission.bound();
  assert.equal(before, Math.ceil((40 / 1000) * 510));
  // A queue builds: as many in progress as admitted, but only 5 complete per second from now on.
  const held = await h.fill();
  for (let i = 0; i < 15; i++) {
    h.advance(200);
    const r = held.shift()!;
    r.finish();
    await r.outcome;
  }
  assert.equal(h.admission.bound(), Math.ceil((5 / 1000) * 510), 'about target × the rate now achieved');
  assert.ok(h.admission.bound() < before);
  assert.equal(await h.request().outcome, 'refused', `${h.admission.inFlight()} in progress is over the new bound`);
  h.advance(5000); // nothing completes for 5 s
  assert.equal(h.admission.bound(), 2, 'never below the floor');
  await h.release(held);
});

test('slow answers without a queue do not shrink the bound: it grows until it keeps the throughput (or hits the ceiling)', async () => {
  const h = harness({ maxInFlight: 64, targetMs: 500, floor: 8 });
  // Every request takes 1.2 s however many are in progress (the CPU is taken by others, not by a queue).
  const bounds = [];
  for (let round = 0; round < 8; round++) {
    const held = await h.fill();
    h.advance(1200);
    await h.release(held);
    bounds.push(h.admission.bound());
  }
  assert.ok(bounds[0] > 8, `above the floor after the first round (${bounds.join(', ')})`);
  assert.equal(bounds.at(-1), 64, `up to the ceiling (${bounds.join(', ')})`);
  for (let i = 1; i < bounds.length; i++) assert.ok(bounds[i] >= bounds[i - 1], `never falls (${bounds.join(', ')})`);
});

test('while refusing, the no-queue answer time is measured again: the bound drops to the floor until one request finds no queue', async () => {
  const h = harness({ maxInFlight: 100, targetMs: 500, floor: 2 });
  await h.oneByOne(40, 10);
  const held = await h.fill(); // the first refusal: the no-queue time is fresh, no probe yet
  assert.equal(held.length, 21);
  h.advance(10_000);
  for (const r of held.splice(0, 10)) { h.advance(50); r.finish(); await r.outcome; } // 10 per 0.5 s, all queued
  const bound = h.admission.bound();
  assert.ok(bound > 2, `${bound}`);
  assert.equal(await h.request().outcome, 'refused', 'refused at a stale no-queue time: probing');
  assert.equal(h.admission.bound(), 2, 'the probe admits only the floor');
  await h.release(held.splice(0, held.length - 1)); // drained to 1 in progress
  const probe = h.request();
  assert.equal(h.admission.inFlight(), 2);
  h.advance(30);
  probe.finish();
  assert.equal(await probe.outcome, 'admitted');
  assert.ok(h.admission.bound() > 2, `the probe is over (${h.admission.bound()})`);
  await h.release(held);
});
