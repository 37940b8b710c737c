// The relay with several ingress replicas on one store: each pending record is claimed by one relay
// at a time (atomic lease), started, and marked; a failed start is retried with backoff; a record
// whose flow disappeared is marked failed instead of retried forever.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import pino from 'pino';
import type { DeliveryRecord } from '../../server/deliveries/record';
import { DeliveryStore } from '../../server/deliveries/store';
import { startRelay } from '../../server/deliveries/relay';
import { createStartRecorded } from '../../server/deliveries/relay-start';
import { UnavailableError } from '../../lib/errors';
import type { RunStarter } from '../../server/starts/planned-runs';
import { type StoreStack, TEST_DELIVERY_SETTINGS, recordingStarter, shippedDefinitions, startStoreStack } from '../helpers/ingress';
import { paymentSucceeded, uid } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

const log = pino({ level: 'silent' });
const definitions = shippedDefinitions();
let store: StoreStack;
let db: Db;

before(async () => { store = await startStoreStack(); db = store.db; });
after(async () => { await store?.stop(); });

function pendingRecord(flow = 'payment-succeeded'): DeliveryRecord {
  const event = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 's', quantity: 1 }] });
  const raw = JSON.stringify(event);
  const now = new Date();
  return {
    _id: `payments:${event.id}`, source: 'payments', eventId: event.id, eventType: event.type, receivedAt: now, outcome: 'accepted', status: 202,
    runs: [{ flow, workflowId: `${flow}:payments:${event.id}` }], body: { text: raw, encoding: 'utf8', bytes: raw.length, truncated: false },
    relay: { state: 'pending', attempts: 1, nextAttemptAt: now, leaseUntil: now }, expiresAt: new Date(now.getTime() + 3_600_000),
  };
}


test('three relays on one store start each of 30 pending records exactly once', async () => {
  const store = new DeliveryStore(db, TEST_DELIVERY_SETTINGS);
  await store.ensureIndexes();
  const records = Array.from({ length: 30 }, () => pendingRecord());
  for (const r of records) await store.insert(r);
  const starters = [recordingStarter(), recordingStarter(), recordingStarter()];
  const relays = starters.map((s) => startRelay({ store, startRecorded: createStartRecorded(() => definitions, s), log, pollMs: 20 }));
  try {
    const ids = records.map((r) => r._id);
    await waitFor('the 30 records to be started', async () => (await store.collection.countDocuments({ _id: { $in: ids }, 'relay.state': 'started' })) === 30, { intervalMs: 50 });
  } finally {
    await Promise.all(relays.map((r) => r.stop()));
  }
  const started = starters.flatMap((s) => s.calls.map((c) => c.eventId));
  assert.equal(started.length, 30, 'no record was started twice');
  assert.deepEqual([...started].sort(), records.map((r) => r.eventId!).sort());
  const done = await store.collection.find({ _id: { $in: records.map((r) => r._id) } }).toArray();
  assert.ok(done.every((r) => r.runs[0]?.runId === 'recorded'), 'the started run ids are recorded');
});

test('a failed start is retried with backoff until it succeeds; a vanished flow is marked failed', async () => {
  const store = new DeliveryStore(db, { ...TEST_DELIVERY_SETTINGS, maxBackoffMs: 100 });
  const flaky = pendingRecord();
  const orphan = pendingRecord('a-flow-that-was-removed');
  await store.insert(flaky);
  await store.insert(orphan);
  const inner = recordingStarter();
  let failures = 0;
  const starter: RunStarter = async (runs, event) => {
    if (event.id === flaky.eventId && failures < 3) { failures++; throw new UnavailableError('temporal down'); }
    return inner(runs, event);
  };
  const relay = startRelay({ store, startRecorded: createStartRecorded(() => definitions, starter), log, pollMs: 20 });
  try {
    await waitFor('the flaky record to be started', async () => (await store.collection.findOne({ _id: flaky._id }))?.relay?.state === 'started', { intervalMs: 50 });
    await waitFor('the orphan record to be failed', async () => (await store.collection.findOne({ _id: orphan._id }))?.relay?.state === 'failed', { intervalMs: 50 });
  } finally {
    await relay.stop();
  }
  const after = await store.collection.findOne({ _id: flaky._id });
  assert.equal(failures, 3);
  assert.equal(after?.relay?.attempts, 5, 'the request\'s attempt, three failed relay attempts, one success');
  assert.deepEqual(inner.calls.map((c) => c.eventId), [flaky.eventId]);
  assert.match((await store.collection.findOne({ _id: orphan._id }))?.relay?.lastError ?? '', /a-flow-that-was-removed no longer exists/);
});

test('a stored callback of a correlated flow is relayed to the run of its key, by signal, with its route kept', async () => {
  const store = new DeliveryStore(db, TEST_DELIVERY_SETTINGS);
  const record = pendingRecord('payment-created');
  const paymentId = uid('pay');
  record.runs = [{ flow: 'payment-created', workflowId: `payment-created:payments:${paymentId}`, route: { kind: 'correlated', key: paymentId } }];
  await store.insert(record);
  const planned: { workflowId: string; route?: unknown }[] = [];
  const starter: RunStarter = async (runs) => {
    planned.push(...runs.map((r) => ({ workflowId: r.workflowId, route: r.route })));
    return runs.map((r) => ({ flow: r.flow.name, workflowId: r.workflowId, runId: 'signalled', duplicate: false, route: r.route }));
  };
  const relay = startRelay({ store, startRecorded: createStartRecorded(() => definitions, starter), log, pollMs: 20 });
  try {
    await waitFor('the record to be started', async () => (await store.collection.findOne({ _id: record._id }))?.relay?.state === 'started', { intervalMs: 50 });
  } finally {
    await relay.stop();
  }
  assert.deepEqual(planned, [{ workflowId: record.runs[0].workflowId, route: { kind: 'correlated', key: paymentId } }]);
  const done = await store.collection.findOne({ _id: record._id });
  assert.deepEqual(done?.runs, [{ ...record.runs[0], runId: 'signalled' }]);
});
