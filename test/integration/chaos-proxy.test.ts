// The chaos harness's holding proxy (chaos/mongo-proxy.ts), against the real FerretDB build: once
// a marked write went through it, the write lands but its caller never hears back, and releasing
// the proxy fails the call with a network error (what a killed attempt leaves behind).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MongoClient } from 'mongodb';
import { type HoldingProxy, startHoldingProxy } from '../../chaos/mongo-proxy';
import { type BareFerretDb, startBareFerretDb } from '../helpers/bare-ferretdb';

let mongo: BareFerretDb;
let proxy: HoldingProxy;

before(async () => {
  mongo = await startBareFerretDb('chaos-proxy');
  proxy = await startHoldingProxy(Number(new URL(mongo.ferret.uri).port));
});

after(async () => {
  await proxy?.close();
  await mongo?.stop();
});

test('a marked write lands, its reply is held, and release fails the call', async () => {
  const items = mongo.client.db('proxy').collection<{ _id: string; stock: number }>('inventory');
  await items.insertMany([{ _id: 'SKU-OTHER', stock: 5 }, { _id: 'SKU-HELD', stock: 2 }]);
  const viaProxy = await MongoClient.connect(proxy.url, { serverSelectionTimeoutMS: 5000, socketTimeoutMS: 0 });
  try {
    const proxied = viaProxy.db('proxy').collection<{ _id: string; stock: number }>('inventory');
    proxy.holdRepliesAfter('SKU-HELD');
    // An unmarked write still gets its answer.
    assert.equal((await proxied.updateOne({ _id: 'SKU-OTHER' }, { $inc: { stock: -1 } })).modifiedCount, 1);
    const held = proxied.updateOne({ _id: 'SKU-HELD' }, { $inc: { stock: -2 } });
    held.catch(() => undefined);
    for (let i = 0; i < 200 && (await items.findOne({ _id: 'SKU-HELD' }))?.stock !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await items.findOne({ _id: 'SKU-HELD' }))?.stock, 0, 'the write landed');
    proxy.release();
    await assert.rejects(held, /closed|connection|socket/i, 'the caller never got the reply');
  } finally {
    await viaProxy.close();
  }
});
