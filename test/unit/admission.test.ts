// Admission control on the test's clock: which requests are admitted, given how many are in
// progress and how long recent answers took. Requests are held by promises the test resolves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Koa from 'koa';
import { UnavailableError } from '../../lib/errors';
import { admissionControl } from '../../server/admission';

function harness(opts: { maxInFlight: number; floor: number; targetMs: number }) {
  let now = 0;
  const admission = admissionControl({ ...opts, now: () => now });
  /** Starts a request; resolves "refused" or "admitted", and the admitted one ends when `finish` is called. */
  const request = () => {
    let finish!: () => void;
    const held = new Promise<void>((r) => { finish = r; });
    const done = admission.middleware({} as Koa.Context, () => held);
    return { finish, outcome: done.then(() => 'admitted', (e: unknown) => (e instanceof UnavailableError && e.retryAfterSeconds === 1 ? 'refused' : 'other')) };
  };
  return { admission, request, advance: (ms: number) => { now += ms; } };
}

test('at most maxInFlight at once; the next one is refused with 503 + Retry-After, later ones admitted again', async () => {
  const h = harness({ maxInFlight: 3, floor: 1, targetMs: 500 });
  const held = [h.request(), h.request(), h.request()];
  assert.equal(h.admission.inFlight(), 3);
  assert.equal(await h.request().outcome, 'refused');
  held[0].finish();
  assert.equal(await held[0].outcome, 'admitted');
  const next = h.request();
  assert.equal(h.admission.inFlight(), 3, 'a place freed is taken again');
  for (const r of [...held.slice(1), next]) r.finish();
  assert.equal(h.admission.refused(), 1);
});

test('while answers are slower than the target, only `floor` requests are admitted; fast answers lift it again', async () => {
  const h = harness({ maxInFlight: 10, floor: 2, targetMs: 500 });
  for (let i = 0; i < 5; i++) {
    const r = h.request();
    h.advance(5000);
    r.finish();
    await r.outcome;
  }
  const slow = [h.request(), h.request()];
  assert.equal(await h.request().outcome, 'refused', 'a third is refused: answers have been slow');
  for (const r of slow) { h.advance(1); r.finish(); await r.outcome; }
  for (let i = 0; i < 40; i++) {
    const r = h.request();
    h.advance(1);
    r.finish();
    await r.outcome;
  }
  const fast = Array.from({ length: 10 }, h.request);
  assert.equal(h.admission.inFlight(), 10, 'answers are fast again: the full bound applies');
  for (const r of fast) r.finish();
});
