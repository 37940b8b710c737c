// Admission control on the test's clock: how many requests are admitted at once, given how fast
// admitted requests complete and how long they take. Requests are held by promises the test resolves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Koa from 'koa';
import { UnavailableError } from '../../lib/errors';
import { admissionControl, type AdmissionOptions } from '../../server/webhooks/admission';
import { AdaptiveLimit } from '../../server/webhooks/admission-limit';

type Held = { finish: () => void; outcome: Promise<string> };

function harness(opts: AdmissionOptions) {
  let now = 0;
  const admission = admissionControl({ ...opts, now: () => now });
  const advance = (ms: number) => { now += ms; };
  /** Starts a request; resolves "refused" or "admitted", and the admitted one ends when `finish` is called. */
  const request = (): Held => {
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
  /** Starts requests until one is refused (the first one `ageMs` before the others); returns the admitted ones, still held. */
  const fill = async (ageMs: number) => {
    const held: Held[] = [];
    for (;;) {
      const r = request();
      if (admission.inFlight() === held.length) {
        assert.equal(await r.outcome, 'refused', 'the one past the bound is refused at once, with 503 + Retry-After');
        return held;
      }
      held.push(r);
      if (held.length === 1) advance(ageMs);
    }
  };
  const release = async (held: Held[]) => { for (const r of held) { r.finish(); await r.outcome; } };
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

test('the bound grows with the completion rate: about rate × (no-queue answer time + target); a burst past it is refused at once', async () => {
  const h = harness({ maxInFlight: 200, targetMs: 500, floor: 2 });
  assert.equal(h.admission.bound(), 2, 'nothing measured yet: the floor, until one request finishes without a queue');
  await h.oneByOne(20, 10); // 100/s, 10 ms each with nothing queued
  const slower = await h.fill(11);
  assert.ok(slower.length >= 45 && slower.length <= 52, `about 100/s × 0.51 s admitted (${slower.length})`);
  await h.release(slower);
  h.advance(2000);
  await h.oneByOne(200, 4); // 250/s, 4 ms each
  const faster = await h.fill(5);
  assert.ok(faster.length >= 118 && faster.length <= 130, `about 250/s × 0.504 s admitted (${faster.length})`);
  await h.release(faster);
});

test('a burst after a quiet spell is admitted up to the ceiling while nothing in progress is older than a no-queue answer', async () => {
  const h = harness({ maxInFlight: 50, targetMs: 500, floor: 2 });
  await h.oneByOne(5, 100);
  h.advance(60_000);
  const burst = await h.fill(0);
  assert.equal(burst.length, 50, 'no queue yet: the ceiling');
  h.advance(101);
  assert.equal(h.admission.bound(), 2, 'once one has waited longer than a no-queue answer, the measured rate (none lately): the floor');
  await h.release(burst);
});

test('the bound shrinks when answers slow down from queueing, and never falls below the floor', async () => {
  const h = harness({ maxInFlight: 100, targetMs: 500, floor: 2 });
  await h.oneByOne(40, 10);
  const held = await h.fill(11);
  const before = held.length;
  // A queue builds: as many in progress as admitted, but only 5 complete per second from now on.
  for (let i = 0; i < 15; i++) {
    h.advance(200);
    const r = held.shift()!;
    r.finish();
    await r.outcome;
  }
  assert.ok(h.admission.bound() <= 4, `about 5/s × 0.51 s now (${h.admission.bound()}, was ${before})`);
  assert.equal(await h.request().outcome, 'refused', `${h.admission.inFlight()} in progress is over the new bound`);
  h.advance(5000); // nothing completes for 5 s
  assert.equal(h.admission.bound(), 2, 'never below the floor');
  await h.release(held);
});

test('slow answers without a queue do not shrink the bound below what keeps the throughput', async () => {
  const h = harness({ maxInFlight: 64, targetMs: 500, floor: 8 });
  await h.oneByOne(3, 1200); // 1.2 s per answer with nothing queued: the machine is slow
  // 20 requests/s arrive, each taking 1.0 or 1.4 s however many are in progress: ~24 at once, no queue.
  const inProgress: { due: number; r: Held }[] = [];
  let refused = 0;
  let clock = 0;
  // The first 5 s are the ramp and its echo (completions lag arrivals by an answer time); then steady state.
  for (let step = 0; step < 150; step++) {
    if (step === 50) refused = 0;
    h.advance(100);
    clock += 100;
    for (const p of inProgress.filter((x) => x.due <= clock)) { p.r.finish(); await p.r.outcome; inProgress.splice(inProgress.indexOf(p), 1); }
    for (let i = 0; i < 2; i++) {
      const r = h.request();
      if (h.admission.inFlight() > inProgress.length) inProgress.push({ due: clock + (i ? 1000 : 1400), r });
      else { refused++; await r.outcome; }
    }
  }
  assert.ok(inProgress.length > 8, `more than the floor in progress (${inProgress.length})`);
  assert.equal(refused, 0, 'none refused');
  await h.release(inProgress.map((p) => p.r));
});

test('while refusing, the no-queue answer time is measured again: the bound drops to the floor until one request finds no queue', async () => {
  const h = harness({ maxInFlight: 100, targetMs: 500, floor: 2 });
  await h.oneByOne(40, 10);
  const held = await h.fill(11); // the first refusal: the no-queue time is fresh, no probe yet
  h.advance(10_000);
  for (const r of held.splice(0, 10)) { h.advance(50); r.finish(); await r.outcome; } // 10 per 0.5 s, all queued
  const bound = h.admission.bound();
  assert.ok(bound > 2 && bound < held.length, `${bound}`);
  assert.equal(await h.request().outcome, 'refused', 'refused at a stale no-queue time: probing');
  assert.equal(h.admission.bound(), 2, 'the probe admits only the floor');
  await h.release(held.splice(0, held.length - 1)); // drained to 1 in progress
  const probe = h.request();
  assert.equal(h.admission.inFlight(), 2);
  assert.equal(await h.request().outcome, 'refused', 'a third is refused while probing');
  h.advance(30);
  probe.finish();
  assert.equal(await probe.outcome, 'admitted');
  assert.notEqual(h.admission.bound(), 2, 'the probe is over');
  await h.release(held);
});

test('an ingress that never queues keeps only its recent completions, not one per request since start', () => {
  const limit = new AdaptiveLimit({ floor: 8, ceiling: 64, targetQueueMs: 250, windowMs: 1000 });
  let now = 0;
  for (let i = 0; i < 20_000; i++) { // one request every 10 ms, each answered in 5 ms: never a queue
    const ticket = limit.admitted(now);
    limit.completed(now + 5, ticket);
    now += 10;
    assert.equal(limit.bound(now), 64);
  }
  assert.ok(limit.trackedCompletions <= 401, `kept ${limit.trackedCompletions} completion times`);
});
