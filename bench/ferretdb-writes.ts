// `npm run bench:ferretdb`: what the dev stack's FerretDB costs per hookflow-shaped operation as
// a collection grows. The operations are the ones hookflow sends: a step's guarded update
// ({_id, idempotency guard}), a relay claim ({_id, state, attempts}) and the relay's poll for due
// records. Bounded: one FerretDB on loopback, a few thousand documents, a fixed number of operations.
// HOOKFLOW_FERRETDB_BIN compares another build (e.g. an older patch level).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Collection } from 'mongodb';
import { TOOLS, ensureTool } from '../devstack/tools';
import { startFerretDb } from '../devstack/ferretdb';
import { freePort } from '../lib/net';

const SIZES = (process.env.BENCH_FERRETDB_SIZES ?? '100,2000').split(',').map(Number);
const OPS = Number(process.env.BENCH_FERRETDB_OPS ?? 100);
/** About the size of a stored delivery body. */
const BODY = { data: 'x'.repeat(1500), items: [{ sku: 'SKU-1', quantity: 1 }] };

interface Doc { _id: string; status: string; attempts: number; __ops: string[]; body: typeof BODY }

async function msPer(ops: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await op(i);
  return Number(process.hrtime.bigint() - start) / 1e6 / ops;
}

async function measure(coll: Collection<Doc>, size: number) {
  const id = (i: number) => `doc_${i % size}`;
  return {
    guardedUpdate: await msPer(OPS, (i) => coll.updateOne({ _id: id(i), __ops: { $ne: `k${i}` } }, { $inc: { attempts: 1 }, $push: { __ops: { $each: [`k${i}`], $slice: -20 } } })),
    claim: await msPer(OPS, (i) => coll.updateOne({ _id: id(i), status: 'pending', attempts: { $gte: 0 } }, { $set: { status: 'pending' } })),
    dueScan: await msPer(Math.max(5, OPS / 10), () => coll.find({ status: 'due' }).limit(10).toArray()),
  };
}

async function main() {
  const bin = ensureTool(TOOLS.ferretdb);
  const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-ferretdb-bench-'));
  const db = await startFerretDb({ bin, port: await freePort(), dataDir });
  const client = await new MongoClient(db.uri).connect();
  try {
    const coll = client.db('bench').collection<Doc>('docs');
    console.log(`FerretDB ${bin}`);
    console.log('documents | guarded update ms | relay claim ms | due scan ms');
    let inserted = 0;
    for (const size of SIZES) {
      const docs: Doc[] = [];
      for (; inserted < size; inserted++) docs.push({ _id: `doc_${inserted}`, status: 'pending', attempts: 0, __ops: [], body: BODY });
      if (docs.length) await coll.insertMany(docs);
      const r = await measure(coll, size);
      console.log(`${String(size).padStart(9)} | ${r.guardedUpdate.toFixed(2).padStart(17)} | ${r.claim.toFixed(2).padStart(14)} | ${r.dueScan.toFixed(1).padStart(11)}`);
    }
  } finally {
    await client.close();
    await db.process.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
