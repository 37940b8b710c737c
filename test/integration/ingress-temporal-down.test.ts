// Nothing acknowledged is lost: with Temporal down, events are stored and answered 202; when it
// comes back the relay starts every one exactly once. With MongoDB down: 503 + Retry-After.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { MongoClient, type Db } from 'mongodb';
import type { EmbeddedServices } from '../../devstack/services';
import pino from 'pino';
import { startTemporalDevServer, type TemporalDevServer } from '../../devstack/temporal';
import { TOOLS, ensureTool } from '../../devstack/tools';
import { freePort } from '../../lib/net';
import type { DeliveryRecord } from '../../server/deliveries/record';
import { createWorker, FLOW_BUNDLE } from '../../worker/create-worker';
import { createMailer } from '../../activities/mailer';
import { TEST_TASK_QUEUE } from '../helpers/stack';
import { type StoreStack, recordingStarter, shippedDefinitions, startIngress, startStoreStack, type TestIngress } from '../helpers/ingress';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const definitions = shippedDefinitions();
let store: StoreStack;
let services: EmbeddedServices;
let dataDir: string;
let db: Db;

before(async () => {
  // FerretDB and SMTP only: Temporal is not running yet.
  store = await startStoreStack({ smtp: true });
  ({ services, dataDir, db } = store);
});
after(async () => { await store?.stop(); });

test('with Temporal down, events are acknowledged; when it is back every one runs exactly once', async () => {
  const port = Number(store.temporalAddress.split(':')[1]);
  const connection = Connection.lazy({ address: store.temporalAddress, channelArgs: { 'grpc.max_reconnect_backoff_ms': 1000 } });
  const client = new Client({ connection });
  const ingress: TestIngress = await startIngress({ db, definitions, client, startDeadlineMs: 1000, log, settings: { maxBackoffMs: 1000 } });
  let temporal: TemporalDevServer | undefined;
  const mail = createMailer(services.smtpUrl);
  try {
    // One stock item per event: FerretDB 1.24 loses concurrent updates to one document, which is
    // not what this test is about.
    const skus: string[] = [];
    const order = async () => {
      const [orderId, sku] = [uid('ord'), uid('SKU')];
      skus.push(sku);
      await db.collection<{ _id: string; stock: number }>('inventory').insertOne({ _id: sku, stock: 10 });
      await db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: orderId, status: 'pending' });
      return paymentSucceeded({ orderId, items: [{ sku, quantity: 1 }] });
    };
    const events = await Promise.all(Array.from({ length: 5 }, order));

    const answers = await Promise.all(events.map((e) => postEvent(ingress.url, e)));
    for (const a of answers) {
      assert.equal(a.status, 202, JSON.stringify(a.body));
      assert.equal(a.body.status, 'accepted');
      assert.equal(a.body.pending, true);
    }
    const redelivered = await postEvent(ingress.url, events[0]);
    assert.equal(redelivered.status, 200, 'a duplicate is recognised while Temporal is down');
    const pending = await ingress.deliveries.collection.find({ outcome: 'accepted' }).toArray();
    assert.equal(pending.length, 5);
    assert.ok(pending.every((r) => r.relay?.state === 'pending'));

    // A delivery whose ingress died after storing it, before starting anything (lease run out).
    const orphan = await order();
    const workflowIds = [...events, orphan].map((e) => `payment-succeeded:payments:${e.id}`);
    const raw = JSON.stringify(orphan);
    const now = new Date();
    await ingress.deliveries.insert({
      _id: `payments:${orphan.id}`, source: 'payments', eventId: orphan.id, eventType: orphan.type, receivedAt: now, outcome: 'accepted', status: 202,
      runs: [{ flow: 'payment-succeeded', workflowId: workflowIds[5]! }], body: { text: raw, encoding: 'utf8', bytes: raw.length, truncated: false },
      relay: { state: 'pending', attempts: 1, nextAttemptAt: now, leaseUntil: new Date(now.getTime() - 1), owner: 'request' }, expiresAt: new Date(now.getTime() + 3_600_000),
    } satisfies DeliveryRecord);

    // Temporal comes back on the address the ingress was given; a worker joins.
    const bundle = await bundleWorkflowCode({ ...FLOW_BUNDLE, logger: new DefaultLogger('WARN') });
    temporal = await startTemporalDevServer({ bin: ensureTool(TOOLS.temporal), port, headless: true, dbFile: join(dataDir, 'temporal.sqlite') });
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    const worker = await createWorker({ connection: nativeConnection, namespace: 'default', taskQueue: TEST_TASK_QUEUE, workflowBundle: bundle, db, mail, log, mailFrom: 'test <t@localhost>' });
    const workerRun = worker.run();
    try {
      ingress.relay.wake();
      const observer = new Client({ connection: await Connection.connect({ address: temporal.address }) });
      for (const id of workflowIds) {
        // The relay starts them with backoff; wait until each exists, then for its result.
        await waitFor(`the relay to start ${id}`, () => observer.workflow.getHandle(id).describe().then(() => true, () => false), { intervalMs: 200 });
        await observer.workflow.getHandle(id).result();
      }
      const stock = await db.collection<{ _id: string; stock: number }>('inventory').find({ _id: { $in: skus } }).toArray();
      assert.deepEqual(stock.map((s) => s.stock), Array(6).fill(9), 'six events, each applied once');
      for (const id of workflowIds) {
        // Visibility lags behind the start: wait until the run is listed, then there must be exactly one.
        const n = await waitFor(`${id} listed by visibility`, async () => {
          let listed = 0;
          for await (const _ of observer.workflow.list({ query: `WorkflowId = "${id}"` })) listed++;
          return listed || undefined;
        });
        assert.equal(n, 1, `exactly one execution of ${id}`);
      }
      const records = await ingress.deliveries.collection.find({ outcome: 'accepted' }).toArray();
      assert.equal(records.length, 6, 'six accepted deliveries');
      for (const r of records) {
        await waitFor(`the delivery record of ${r._id} marked started by the relay`, async () => (await ingress.deliveries.collection.findOne({ _id: r._id }))?.relay?.state === 'started');
      }
      await observer.connection.close();
    } finally {
      worker.shutdown();
      await workerRun;
      await nativeConnection.close();
    }
  } finally {
    await ingress.stop();
    mail.close();
    await connection.close().catch(() => undefined);
    await temporal?.process.stop();
  }
});

test('with MongoDB unreachable: 503 + Retry-After and nothing started; bad input still gets its 4xx', async () => {
  const deadMongo = new MongoClient(`mongodb://127.0.0.1:${await freePort()}/`, { serverSelectionTimeoutMS: 300 });
  const starter = recordingStarter();
  const ingress = await startIngress({ db: deadMongo.db('x'), definitions, temporalStart: starter, log });
  try {
    const res = await postEvent(ingress.url, paymentSucceeded({ orderId: 'o1', items: [{ sku: 's', quantity: 1 }] }));
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'unavailable');
    assert.ok(Number(res.headers.get('retry-after')) > 0, 'Retry-After is set');
    assert.deepEqual(starter.calls, []);
    const forged = await postEvent(ingress.url, paymentSucceeded({ orderId: 'o1', items: [] }), { secret: 'wrong' });
    assert.equal(forged.status, 401);
  } finally {
    await ingress.stop();
    await deadMongo.close();
  }
});
