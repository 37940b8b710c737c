// The MongoDB write activities are exactly once whatever the filter and however busy the
// document (issue 13, holes 1-3): run with their real deps against the real FerretDB build,
// with attempts that fail after their write landed, as a killed worker or a timeout leaves them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Db } from 'mongodb';
import pino from 'pino';
import { mongoActivities } from '../../activities/mongo';
import { APPLIED_OPS_FIELD, EFFECTS_COLLECTION, purgeEffectRecords } from '../../activities/effect-record';
import type { ActivityDeps } from '../../activities/effects';
import { uid } from '../helpers/events';
import { type BareFerretDb, startBareFerretDb } from '../helpers/bare-ferretdb';

let mongo: BareFerretDb;
let db: Db;

before(async () => {
  mongo = await startBareFerretDb('effect-idempotency');
  db = mongo.client.db('effects');
});

after(async () => {
  await mongo?.stop();
});

type Activity = 'mongo.updateOne' | 'mongo.findOneAndUpdate';
const inventory = () => db.collection<{ _id: string; stock: number; [APPLIED_OPS_FIELD]?: string[] }>('inventory');

/** One attempt of an activity; `crash` makes it fail right after its effect, before it returns. */
async function attempt<R>(activity: Activity, args: Record<string, unknown>, idempotencyKey: string, n: number, crash = false): Promise<R> {
  const deps = {
    db,
    log: pino({ level: 'silent' }),
    afterEffect: () => {
      if (crash) throw new Error('injected: the worker died after the write');
    },
  } as unknown as ActivityDeps;
  const env = new MockActivityEnvironment({ attempt: n }, { logger: new DefaultLogger('ERROR') });
  return env.run(mongoActivities(deps)[activity] as (req: unknown) => Promise<R>, { args, idempotencyKey });
}

const reserve = (sku: string, quantity: number) => ({ collection: 'inventory', filter: { _id: sku, stock: { $gte: quantity } }, update: { $inc: { stock: -quantity } } });

test('reserve-stock with stock equal to the quantity: the retry after a landed write sees applied, not DocumentNotFound', async () => {
  for (const activity of ['mongo.updateOne', 'mongo.findOneAndUpdate'] as const) {
    const sku = uid('SKU');
    await inventory().insertOne({ _id: sku, stock: 3 });
    const key = `wf-${sku}/reserve-stock[0]`;
    await assert.rejects(attempt(activity, reserve(sku, 3), key, 1, true), /injected/);
    const retry = await attempt<{ alreadyApplied: boolean }>(activity, reserve(sku, 3), key, 2);
    assert.equal(retry.alreadyApplied, true, activity);
    assert.equal((await inventory().findOne({ _id: sku }))?.stock, 0, activity);
  }
});

test('a write that landed but was never recorded (attempt died in between) is recognised by its key in the document', async () => {
  for (const activity of ['mongo.updateOne', 'mongo.findOneAndUpdate'] as const) {
    const sku = uid('SKU');
    const key = `wf-${sku}/reserve-stock[0]`;
    // What an attempt killed between its write and its record leaves behind.
    await inventory().insertOne({ _id: sku, stock: 0, [APPLIED_OPS_FIELD]: [key] });
    const retry = await attempt<{ alreadyApplied: boolean }>(activity, reserve(sku, 2), key, 2);
    assert.equal(retry.alreadyApplied, true, activity);
    const doc = await inventory().findOne({ _id: sku });
    assert.equal(doc?.stock, 0, activity);
    assert.deepEqual(doc?.[APPLIED_OPS_FIELD], [], `${activity}: the key moved to the record of effects`);
    assert.equal(await db.collection(EFFECTS_COLLECTION).countDocuments({ _id: key as never }), 1, activity);
  }
});

test('a hot document: more than 50 other updates between an attempt and its retry, the retry still applies nothing', async () => {
  const sku = uid('SKU');
  await inventory().insertOne({ _id: sku, stock: 1000 });
  const decrement = { collection: 'inventory', filter: { _id: sku }, update: { $inc: { stock: -1 } } };
  await assert.rejects(attempt('mongo.updateOne', decrement, `${sku}/first`, 1, true), /injected/);
  for (let i = 0; i < 60; i++) await attempt('mongo.updateOne', decrement, `${sku}/other-${i}`, 1);
  const retry = await attempt<{ alreadyApplied: boolean }>('mongo.updateOne', decrement, `${sku}/first`, 2);
  assert.equal(retry.alreadyApplied, true);
  assert.equal((await inventory().findOne({ _id: sku }))?.stock, 1000 - 61);
});

test('the applied-key record in the document stays bounded after many updates', async () => {
  const sku = uid('SKU');
  await inventory().insertOne({ _id: sku, stock: 1000 });
  const decrement = { collection: 'inventory', filter: { _id: sku }, update: { $inc: { stock: -1 } } };
  const N = 120;
  for (let i = 0; i < N; i += 4) {
    await Promise.all([0, 1, 2, 3].map((j) => attempt('mongo.updateOne', decrement, `${sku}/order-${i + j}`, 1)));
  }
  const doc = await inventory().findOne({ _id: sku });
  assert.equal(doc?.stock, 1000 - N);
  assert.deepEqual(doc?.[APPLIED_OPS_FIELD], [], 'no key of a finished write stays in the document');
  // Each key is still found, in the record of effects: a late retry of any of them applies nothing.
  const late = await attempt<{ alreadyApplied: boolean }>('mongo.updateOne', decrement, `${sku}/order-0`, 3);
  assert.equal(late.alreadyApplied, true);
  assert.equal((await inventory().findOne({ _id: sku }))?.stock, 1000 - N);
});

test('a filter that could match several documents is refused before anything is written', async () => {
  const tag = uid('tag');
  await inventory().insertMany([{ _id: uid('SKU'), stock: 5, tag } as never, { _id: uid('SKU'), stock: 5, tag } as never]);
  for (const filter of [{ tag }, { _id: { $in: ['a', 'b'] }, tag }, { _id: null, tag }]) {
    for (const activity of ['mongo.updateOne', 'mongo.findOneAndUpdate'] as const) {
      await assert.rejects(
        attempt(activity, { collection: 'inventory', filter, update: { $inc: { stock: -1 } } }, uid('k'), 1),
        (err: Error & { type?: string; nonRetryable?: boolean }) => err.type === 'InvalidArguments' && err.nonRetryable === true && /_id/.test(err.message),
      );
    }
  }
  assert.deepEqual((await inventory().find({ tag } as never).toArray()).map((d) => d.stock), [5, 5]);
});

test('an upsert is retried safely: one document, applied once; a clash with a non-matching document fails for good', async () => {
  for (const activity of ['mongo.updateOne', 'mongo.findOneAndUpdate'] as const) {
    const id = uid('order');
    const upsert = { collection: 'orders', filter: { _id: id, status: 'pending' }, update: { $inc: { reminders: 1 } }, upsert: true };
    await assert.rejects(attempt(activity, upsert, `${id}/remind`, 1, true), /injected/);
    const retry = await attempt<{ alreadyApplied: boolean }>(activity, upsert, `${id}/remind`, 2);
    assert.equal(retry.alreadyApplied, true, activity);
    const docs = await db.collection('orders').find({ _id: id as never }).toArray();
    assert.deepEqual(docs.map((d) => d.reminders), [1], activity);
    // The order moved on: an upsert for "pending" must not report applied (nor insert a second one).
    await db.collection('orders').updateOne({ _id: id as never }, { $set: { status: 'paid' } });
    await assert.rejects(attempt(activity, upsert, `${id}/remind-again`, 1), (err: Error & { type?: string }) => err.type === 'UpsertConflict');
    assert.equal(await db.collection('orders').countDocuments({ _id: id as never }), 1, activity);
  }
});

test('findOneAndUpdate: an upsert that inserts returns no "before" document, is applied once, and its retry returns the document as it is now', async () => {
  const id = uid('order');
  const upsert = { collection: 'orders', filter: { _id: id }, update: { $inc: { reminders: 1 } }, upsert: true, returnDocument: 'before' };
  const first = await attempt<{ document: unknown; alreadyApplied: boolean }>('mongo.findOneAndUpdate', upsert, `${id}/first`, 1);
  assert.deepEqual(first, { document: null, alreadyApplied: false });
  const again = await attempt<{ document: unknown; alreadyApplied: boolean }>('mongo.findOneAndUpdate', upsert, `${id}/first`, 2);
  assert.deepEqual(again, { document: { _id: id, reminders: 1 }, alreadyApplied: true });
  const next = await attempt<{ document: unknown; alreadyApplied: boolean }>('mongo.findOneAndUpdate', upsert, `${id}/second`, 1);
  assert.deepEqual(next, { document: { _id: id, reminders: 1 }, alreadyApplied: false }, 'the document before the second write, without the bookkeeping field');
});

test('effect records older than the retention period are purged, newer ones kept', async () => {
  const records = db.collection<{ _id: string; [k: string]: unknown }>(EFFECTS_COLLECTION);
  const day = 24 * 3600 * 1000;
  const now = Date.parse('2026-12-01T12:00:00Z');
  const tag = uid('purge');
  await records.insertMany([
    { _id: `${tag}/old`, kind: 'mongo', at: new Date(now - 31 * day) },
    { _id: `${tag}/old-email`, kind: 'email', sentAt: new Date(now - 40 * day) }, // recorded before `at` existed
    { _id: `${tag}/recent`, kind: 'mongo', at: new Date(now - 29 * day) },
    { _id: `${tag}/recent-email`, kind: 'email', sentAt: new Date(now - day), at: new Date(now - day) },
  ]);
  assert.equal(await purgeEffectRecords({ db }, new Date(now - 30 * day)), 2);
  const left = (await records.find({ _id: { $regex: `^${tag}/` } }).toArray()).map((r) => r._id).sort();
  assert.deepEqual(left, [`${tag}/recent`, `${tag}/recent-email`]);
});
