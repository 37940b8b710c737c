// The relay's polling: it backs off while it finds nothing (on FerretDB each poll reads every
// stored delivery), and a retry scheduled through the store brings the next poll forward.
// The store is a stand-in that only counts polls: what is tested is the relay's timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startRelay } from '../../server/deliveries/relay';
import type { DeliveryStore } from '../../server/deliveries/store';

function countingStore() {
  const polls: number[] = [];
  const listeners = new Set<(at: Date) => void>();
  const store = {
    claimDue: async () => { polls.push(Date.now()); return null; },
    purgeExpired: async () => 0,
    onRetryScheduled: (fn: (at: Date) => void) => { listeners.add(fn); return () => listeners.delete(fn); },
  };
  const retryAt = (at: Date) => { for (const fn of listeners) fn(at); };
  return { store: store as unknown as DeliveryStore, polls, retryAt, listeners };
}

const log = pino({ level: 'silent' });
const until = async (done: () => boolean) => { while (!done()) await new Promise((r) => setTimeout(r, 5)); };

test('an idle relay polls less and less often, up to its longest interval', async () => {
  const { store, polls } = countingStore();
  const relay = startRelay({ store, startRecorded: async () => [], log, pollMs: 20, maxIdlePollMs: 2000 });
  await new Promise((r) => setTimeout(r, 1500));
  await relay.stop();
  // Every 20 ms would be ~75 polls; doubling (20, 40, 80, … ms) gives 7 in 1.5 s.
  assert.ok(polls.length >= 3 && polls.length <= 10, `${polls.length} polls in 1.5 s`);
});

test('a retry scheduled through the store is looked for at its time, not after the backoff', async () => {
  const { store, polls, retryAt, listeners } = countingStore();
  const relay = startRelay({ store, startRecorded: async () => [], log, pollMs: 100, maxIdlePollMs: 60_000 });
  await until(() => polls.length >= 5); // ~1.5 s in; the next idle sleep is 1.6 s
  const told = Date.now();
  retryAt(new Date(told + 50));
  await until(() => polls.length >= 7); // the retry's poll, then one at the base interval again
  await relay.stop();
  assert.ok(polls[5] - told < 1000, `the retry was looked for ${polls[5] - told} ms after it was due in 50 ms`);
  assert.ok(polls[6] - polls[5] < 1000, `then polling restarted from the base interval (${polls[6] - polls[5]} ms)`);
  assert.equal(listeners.size, 0, 'a stopped relay no longer listens');
});
