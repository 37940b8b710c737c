// The stores behind rateLimit and per-host pacing, on a real FerretDB with injected clocks:
// window boundaries, decisions kept once made, and slots shared by two processes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Db, MongoClient } from 'mongodb';
import { type BareFerretDb, startBareFerretDb } from '../helpers/bare-ferretdb';
import { RateLimiter } from '../../server/starts/rate-limits';
import { HOST_SLOTS_COLLECTION, HostPacer } from '../../activities/host-pacing';
import { freePort } from '../../lib/net';
import { waitFor } from '../helpers/wait-for';
import type { FlowDefinition, FlowEvent } from '../../engine/types';

let ferret: BareFerretDb;
let db: Db;
before(async () => {
  ferret = await startBareFerretDb('flow-limits');
  db = ferret.client.db('limits');
});
after(async () => { await ferret?.stop(); });

const flow = (name: string, limit: number, period = '1m'): FlowDefinition =>
  ({ name, version: 'v', trigger: { source: 'payments', events: ['payment.succeeded'] }, steps: [], rateLimit: { limit, period, key: 'event.body.shop' } });
const event = (id: string, at: string, shop = 'a'): FlowEvent => ({ id, type: 'payment.succeeded', source: 'payments', receivedAt: at, body: { shop } });

test('rateLimit windows: a limit per window and key, a new window at the boundary, decisions kept once made', async () => {
  const f = flow('windows', 2);
  const limiter = new RateLimiter(db, { keepSeconds: 60, clock: { now: () => Date.parse('2026-12-01T10:00:30Z') } });
  const admit = async (id: string, at: string, shop?: string) => (await limiter.admit(f, event(id, at, shop), `windows:payments:${id}`)).allowed;
  assert.equal(await admit('e1', '2026-12-01T10:00:00.000Z'), true);
  assert.equal(await admit('e2', '2026-12-01T10:00:30.000Z'), true);
  assert.equal(await admit('e3', '2026-12-01T10:00:59.999Z'), false, 'third in the window 10:00–10:01');
  assert.equal(await admit('e4', '2026-12-01T10:00:59.999Z', 'b'), true, 'another key has its own limit');
  assert.equal(await admit('e5', '2026-12-01T10:01:00.000Z'), true, 'the next window starts at 10:01:00');

  // A second process, as another ingress replica or the relay after a crash, asks again.
  const other = new RateLimiter(db, { keepSeconds: 60 });
  const before = await other.collection.countDocuments();
  await other.collection.deleteOne({ _id: `windows|a|${Date.parse('2026-12-01T10:00:00Z') / 60_000}|1` }); // a slot freed: the window has room again
  assert.equal((await other.admit(f, event('e3', '2026-12-01T10:00:59.999Z'), 'windows:payments:e3')).allowed, false, 'a drop stays a drop');
  assert.equal((await other.admit(f, event('e2', '2026-12-01T10:00:30.000Z'), 'windows:payments:e2')).allowed, true, 'an admission stays one');
  assert.equal(await other.collection.countDocuments(), before - 1, 'no decision added by asking again');
});

test('rateLimit: decisions are purged once their window and keep time are over', async () => {
  let now = Date.parse('2026-12-01T12:00:00Z');
  const limiter = new RateLimiter(ferret.client.db('limits-purge'), { keepSeconds: 60, clock: { now: () => now } });
  await limiter.admit(flow('purged', 1), event('p1', '2026-12-01T12:00:10Z'), 'purged:payments:p1');
  now = Date.parse('2026-12-01T12:01:59Z');
  assert.equal(await limiter.purgeExpired(), 0, 'window ended 12:01, kept 60 s more');
  now = Date.parse('2026-12-01T12:02:01Z');
  assert.equal(await limiter.purgeExpired(), 2, 'its slot and its decision');
});

test('two workers pacing one host at 2/s: 12 calls at once get 12 distinct slots 500 ms apart; other hosts wait for nothing', async () => {
  const t0 = Date.parse('2026-12-01T10:00:00.250Z');
  const waits: number[] = [];
  const opts = { clock: { now: () => t0 }, sleep: async (ms: number) => { waits.push(ms); } };
  const workers = [new HostPacer(db, { 'api.example.com': 2 }, opts), new HostPacer(db, { 'api.example.com': 2 }, opts)];
  await Promise.all(Array.from({ length: 12 }, (_, i) => workers[i % 2].pace('https://API.example.com/orders')));
  assert.deepEqual(waits.sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => 250 + 500 * i));
  assert.equal(await workers[0].pace('https://other.example.com/'), 0);
  assert.equal(waits.length, 12);
});

test('host limits: "*.domain" paces each of its hosts on its own', () => {
  const pacer = new HostPacer(db, { '*.myshopify.com': 2, 'api.shopify.com': 4 });
  assert.equal(pacer.limitOf('shop-a.myshopify.com'), 2);
  assert.equal(pacer.limitOf('api.shopify.com'), 4);
  assert.equal(pacer.limitOf('myshopify.com'), undefined);
});

test('slot store: a purge that fails is logged, not swallowed (both stores purge through it)', async () => {
  // A server nobody listens on: every operation fails once server selection gives up.
  const unreachable = new MongoClient(`mongodb://127.0.0.1:${await freePort()}/`, { serverSelectionTimeoutMS: 300 });
  let warning: { fields: object; message: string } | undefined;
  let now = Date.parse('2026-12-01T10:00:00Z');
  const pacer = new HostPacer(unreachable.db('x'), { 'api.example.com': 1 }, { clock: { now: () => now }, log: { warn: (fields, message) => { warning = { fields, message }; } } });
  now += 61_000; // past the purge interval: this claim purges first
  await assert.rejects(pacer.pace('https://api.example.com/'));
  const { fields, message } = await waitFor('the failed purge logged', async () => warning, { attempts: 100 });
  assert.match(message, /could not be purged/);
  assert.equal((fields as { collection?: string }).collection, HOST_SLOTS_COLLECTION);
  await unreachable.close();
});
