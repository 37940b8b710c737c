// The chaos harness's holding proxy (chaos/mongo-proxy.ts), against the real FerretDB build: once
// a marked write went through it, the write lands but its caller never hears back, and releasing
// the proxy fails the call with a network error (what a killed attempt leaves behind).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MongoClient } from 'mongodb';
import { type HoldingProxy, startHoldingProxy } from '../../chaos/mongo-proxy';
import { type FerretDb, startFerretDb } from '../../devstack/ferretdb';
import { TOOLS, ensureTool } from '../../devstack/tools';
import { freePort } from '../../lib/net';

let ferret: FerretDb;
let proxy: HoldingProxy;
let direct: MongoClient;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hookflow-chaos-proxy-'));
  ferret = await startFerretDb({ bin: ensureTool(TOOLS.ferretdb), port: await freePort(), dataDir });
  proxy = await startHoldingProxy(Number(new URL(ferret.uri).port));
  direct = await MongoClient.connect(ferret.uri);
});

after(async () => {
  await direct?.close();
  await proxy?.close();
  await ferret?.process.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a marked write lands, its reply is held, and release fails the call', async () => {
  const items = direct.db('proxy').collection<{ _id: string; stock: number }>('inventory');
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
