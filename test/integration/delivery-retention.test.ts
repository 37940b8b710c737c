// Retention: the scheduled cleanup in the relay deletes delivery records (bodies included) older
// than the retention period, keeps recent ones, never deletes an event still waiting to be started,
// and never ends a duplicate window early. Real FerretDB; no TTL index.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { DeliveryRecord } from '../../server/deliveries/record';
import { DeliveryStore } from '../../server/deliveries/store';
import { startRelay } from '../../server/deliveries/relay';
import { type StoreStack, TEST_DELIVERY_SETTINGS, startStoreStack } from '../helpers/ingress';
import { uid } from '../helpers/events';

const DAY = 24 * 3600 * 1000;
let stack: StoreStack;
before(async () => { stack = await startStoreStack(); });
after(async () => { await stack?.stop(); });

function record(ageDays: number, extra: Partial<DeliveryRecord> = {}): DeliveryRecord {
  const receivedAt = new Date(Date.now() - ageDays * DAY);
  return {
    _id: uid('del'), source: 'payments', eventId: uid('evt'), eventType: 'payment.succeeded', receivedAt, outcome: 'rejected', status: 401,
    reason: 'signature_invalid', runs: [], body: { text: '{"secret":"stuff"}', encoding: 'utf8', bytes: 18, truncated: false },
    expiresAt: new Date(receivedAt.getTime() + 3600_000), ...extra,
  };
}

test('the relay\'s scheduled cleanup removes records past the retention period and keeps the rest', async () => {
  const store = new DeliveryStore(stack.db, { ...TEST_DELIVERY_SETTINGS, retentionSeconds: 30 * 24 * 3600 });
  await store.ensureIndexes();
  const now = Date.now();
  const old = record(31);
  const recent = record(29); // its duplicate window is over, but it is within the retention period
  const oldStarted = record(40, { outcome: 'accepted', status: 202, relay: { state: 'started', attempts: 1, nextAttemptAt: new Date(now - 40 * DAY), leaseUntil: new Date(now - 40 * DAY) } });
  const oldPending = record(40, { outcome: 'accepted', status: 202, relay: { state: 'pending', attempts: 3, nextAttemptAt: new Date(now + DAY), leaseUntil: new Date(now + DAY) } });
  const oldInWindow = record(40, { outcome: 'accepted', status: 202, expiresAt: new Date(now + DAY) }); // a long duplicate window
  await store.collection.insertMany([old, recent, oldStarted, oldPending, oldInWindow]);

  const relay = startRelay({ store, startRecorded: async () => [], log: pino({ level: 'silent' }), pollMs: 50, purgeEveryMs: 50 });
  try {
    for (let i = 0; i < 100 && (await store.collection.countDocuments({ _id: { $in: [old._id, oldStarted._id] } })) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await relay.stop();
  }
  const left = (await store.collection.find({ _id: { $in: [old, recent, oldStarted, oldPending, oldInWindow].map((r) => r._id) } }).toArray()).map((r) => r._id).sort();
  assert.deepEqual(left, [recent._id, oldPending._id, oldInWindow._id].sort());
});

test('without a retention period a record goes when its duplicate window ends', async () => {
  const store = new DeliveryStore(stack.db, TEST_DELIVERY_SETTINGS);
  const expired = record(1);
  const inWindow = record(0, { expiresAt: new Date(Date.now() + 3600_000) });
  await store.collection.insertMany([expired, inWindow]);
  await store.purgeExpired();
  const left = (await store.collection.find({ _id: { $in: [expired._id, inWindow._id] } }).toArray()).map((r) => r._id);
  assert.deepEqual(left, [inWindow._id]);
});
