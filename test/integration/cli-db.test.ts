// hookflow db, spawned as ops run it, against a real FerretDB: mongosh opens the configured
// database (MONGODB_URI, MONGODB_DB) so the docs' queries run as written; a database that does
// not answer is a non-zero exit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { type FerretDb, startFerretDb } from '../../devstack/ferretdb';
import { TOOLS, ensureTool } from '../../devstack/tools';
import { freePort } from '../../lib/net';
import { databaseUri } from '../../cli/commands/db';
import { ROOT } from '../helpers/paths';

const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-db-'));
let ferret: FerretDb;
const dbName = `t${Date.now()}`;

before(async () => {
  ferret = await startFerretDb({ bin: ensureTool(TOOLS.ferretdb), port: await freePort(), dataDir });
  const mongo = await new MongoClient(ferret.uri).connect();
  try {
    await mongo.db(dbName).collection('hookflow_deliveries').insertMany([
      { _id: 'stripe:evt_old' as never, source: 'stripe', outcome: 'rejected', receivedAt: new Date('2026-11-30T10:00:00Z') },
      { _id: 'stripe:evt_new' as never, source: 'stripe', outcome: 'rejected', receivedAt: new Date('2026-12-01T10:00:00Z') },
      { _id: 'stripe:evt_ok' as never, source: 'stripe', outcome: 'accepted', receivedAt: new Date('2026-12-01T11:00:00Z') },
      { _id: 'payments:evt_1' as never, source: 'payments', outcome: 'rejected', receivedAt: new Date('2026-12-01T12:00:00Z') },
    ]);
  } finally {
    await mongo.close();
  }
});
after(async () => {
  await ferret?.process.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function db(args: string[], uri = ferret.uri) {
  const r = spawnSync(join(ROOT, 'bin/hookflow'), ['db', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MONGODB_URI: uri, MONGODB_DB: dbName }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("the docs' query, typed as written, runs on the configured database", () => {
  const query = 'db.hookflow_deliveries.find({outcome: "rejected", source: "stripe"}).sort({receivedAt: -1})';
  const { code, out, err } = db(['--quiet', '--json=relaxed', '--eval', `${query}.toArray()`]);
  assert.equal(code, 0, err);
  assert.deepEqual((JSON.parse(out) as { _id: string }[]).map((d) => d._id), ['stripe:evt_new', 'stripe:evt_old']);
  const shown = db(['--quiet', '--eval', query]); // as a person sees it, without toArray
  assert.equal(shown.code, 0, shown.err);
  assert.match(shown.out, /_id: 'stripe:evt_new'[\s\S]*_id: 'stripe:evt_old'/);
});

test('a database that does not answer exits non-zero, naming the connection error', async () => {
  const { code, out, err } = db(['--quiet', '--eval', 'db.hookflow_deliveries.countDocuments()'], `mongodb://127.0.0.1:${await freePort()}/?serverSelectionTimeoutMS=1000`);
  assert.notEqual(code, 0);
  assert.match(out + err, /ECONNREFUSED/);
});

test('the database is the URI path, the URI options (TLS, auth) are kept', () => {
  assert.equal(databaseUri('mongodb://127.0.0.1:27017/', 'hookflow'), 'mongodb://127.0.0.1:27017/hookflow');
  assert.equal(databaseUri('mongodb://u:p@db.internal:27017/admin?tls=true&authSource=admin', 'orders'), 'mongodb://u:p@db.internal:27017/orders?tls=true&authSource=admin');
  assert.equal(databaseUri('mongodb+srv://cluster0.example.net/?retryWrites=true', 'hookflow'), 'mongodb+srv://cluster0.example.net/hookflow?retryWrites=true');
});
