// Concurrent effects on one document must all apply, as they do on MongoDB. FerretDB 1.x lost
// them (read-modify-write without a lock); the dev stack's build patches that
// (devstack/ferretdb-patch.ts). This runs the real activities against the real FerretDB build.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from 'mongodb';
import pino from 'pino';
import { mongoActivities } from '../../activities/mongo';
import type { ActivityDeps } from '../../activities/effects';
import { type BareFerretDb, startBareFerretDb } from '../helpers/bare-ferretdb';

let mongo: BareFerretDb;
let db: Db;
const CONCURRENT = 20;

before(async () => {
  mongo = await startBareFerretDb('mongo-concurrency');
  db = mongo.client.db('concurrency');
});

after(async () => {
  await mongo?.stop();
});

function activities() {
  const deps = { db, log: pino({ level: 'silent' }) } as unknown as ActivityDeps;
  return mongoActivities(deps);
}

test('concurrent mongo.updateOne decrements on one document all apply, once each', async () => {
  await db.collection('inventory').insertOne({ _id: 'sku-1' as never, stock: 100 });
  const update = activities()['mongo.updateOne'];
  const request = (i: number) => ({ args: { collection: 'inventory', filter: { _id: 'sku-1' }, update: { $inc: { stock: -1 } } }, idempotencyKey: `order-${i}` });
  const results = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => update(request(i) as never)));
  assert.equal(results.filter((r) => r.applied).length, CONCURRENT);
  // Retries of all of them change nothing.
  const retries = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => update(request(i) as never)));
  assert.equal(retries.filter((r) => r.alreadyApplied).length, CONCURRENT);
  const doc = await db.collection('inventory').findOne({ _id: 'sku-1' as never });
  assert.equal(doc?.stock, 100 - CONCURRENT);
});

test('concurrent mongo.findOneAndUpdate each see a distinct counter value', async () => {
  await db.collection('counters').insertOne({ _id: 'invoice' as never, next: 0 });
  const fau = activities()['mongo.findOneAndUpdate'];
  const results = await Promise.all(
    Array.from({ length: CONCURRENT }, (_, i) =>
      fau({ args: { collection: 'counters', filter: { _id: 'invoice' }, update: { $inc: { next: 1 } } }, idempotencyKey: `inv-${i}` } as never),
    ),
  );
  const seen = results.map((r) => (r.document as { next: number }).next).sort((a, b) => a - b);
  assert.deepEqual(seen, Array.from({ length: CONCURRENT }, (_, i) => i + 1));
});
