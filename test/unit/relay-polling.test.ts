// The relay's polling: it backs off while it finds nothing (on FerretDB each poll reads every
// stored delivery), and a retry scheduled through the store brings the next poll forward.
// The store is a stand-in that only counts polls, and the clock is the test's: what is tested is
// which sleeps the relay asks for, in order, not how long anything took.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Clock } from '../../lib/clock';
import { startRelay } from '../../server/deliveries/relay';
import type { DeliveryStore } from '../../server/deliveries/store';

function countingStore() {
  let polls = 0;
  const listeners = new Set<(at: Date) => void>();
  const store = {
    claimDue: async () => { polls++; return null; },
    purgeExpired: async () => 0,
    onRetryScheduled: (fn: (at: Date) => void) => { listeners.add(fn); return () => listeners.delete(fn); },
  };
  const retryAt = (at: Date) => { for (const fn of listeners) fn(at); };
  return { store: store as unknown as DeliveryStore, polls: () => polls, retryAt, listeners };
}

/** A clock that moves only when the test fires its next timer. */
function manualClock() {
  let now = 1_000_000;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimer: (fn, ms) => { timers.set(nextId, { at: now + ms, fn }); return nextId++; },
    clearTimer: (id) => { timers.delete(id as number); },
  };
  /** The relay's pending sleep, once it has asked for one (it polls asynchronously first). */
  const pending = async (): Promise<{ id: number; delay: number }> => {
    for (let turn = 0; turn < 10_000 && timers.size === 0; turn++) await new Promise((r) => setImmediate(r));
    assert.equal(timers.size, 1, 'the relay sleeps on exactly one timer');
    const [[id, t]] = [...timers];
    return { id, delay: t.at - now };
  };
  const fire = async (): Promise<number> => {
    const { id, delay } = await pending();
    const t = timers.get(id)!;
    timers.delete(id);
    now = t.at;
    t.fn();
    return delay;
  };
  return { clock, pending, fire, now: () => now };
}

const log = pino({ level: 'silent' });

test('an idle relay polls less and less often, up to its longest interval', async () => {
  const { store, polls } = countingStore();
  const time = manualClock();
  const relay = startRelay({ store, startRecorded: async () => [], log, pollMs: 20, maxIdlePollMs: 2000, clock: time.clock });
  const sleeps: number[] = [];
  for (let i = 0; i < 10; i++) sleeps.push(await time.fire());
  await time.pending();
  await relay.stop();
  assert.deepEqual(sleeps, [20, 40, 80, 160, 320, 640, 1280, 2000, 2000, 2000]);
  assert.equal(polls(), 11, 'one poll before each sleep, and one after the last');
});

test('a retry scheduled through the store is looked for at its time, not after the backoff', async () => {
  const { store, polls, retryAt, listeners } = countingStore();
  const time = manualClock();
  const relay = startRelay({ store, startRecorded: async () => [], log, pollMs: 100, maxIdlePollMs: 60_000, clock: time.clock });
  const sleeps: number[] = [];
  for (let i = 0; i < 4; i++) sleeps.push(await time.fire());
  assert.deepEqual(sleeps, [100, 200, 400, 800]);
  assert.equal((await time.pending()).delay, 1600, 'the relay is in a long idle sleep');
  retryAt(new Date(time.now() + 50));
  assert.equal((await time.pending()).delay, 50, 'the sleep now ends when the retry is due');
  const pollsBefore = polls();
  await time.fire();
  // The backoff started over: the shortened sleep counted as its first step (100), so the next is 200, not 3200.
  assert.equal((await time.pending()).delay, 200, 'after the retry\'s poll, the backoff restarts from the base interval');
  assert.equal(polls(), pollsBefore + 1, 'the retry was looked for');
  retryAt(new Date(time.now() + 5000));
  assert.equal((await time.pending()).delay, 200, 'a retry due after the current sleep changes nothing');
  await relay.stop();
  assert.equal(listeners.size, 0, 'a stopped relay no longer listens');
});
