// Degraded and overloaded, the ingress still answers at once. While Temporal is known down a
// request does not wait for it (the breaker: no start call is made, counted), and a background
// probe closes the breaker when Temporal is back, after which the relay starts what was stored.
// Past the in-flight bound a request gets 503 + Retry-After and nothing is stored for it.
// Real FerretDB and a real Temporal dev server, stopped and restarted by pid on the same port.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { startTemporalDevServer, type TemporalDevServer } from '../../devstack/temporal';
import { TOOLS, ensureTool } from '../../devstack/tools';
import type { RunStarter } from '../../server/starts/planned-runs';
import { createRunStarter } from '../../server/starts/start-runs';
import { TEST_TASK_QUEUE } from '../helpers/stack';
import { type StoreStack, shippedDefinitions, startIngress, startStoreStack, type TestIngress } from '../helpers/ingress';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const definitions = shippedDefinitions();
let store: StoreStack;
let temporal: TemporalDevServer | undefined;
let port: number;
const startTemporal = () => startTemporalDevServer({ bin: ensureTool(TOOLS.temporal), port, headless: true, dbFile: join(store.dataDir, 'temporal.sqlite') });

before(async () => {
  store = await startStoreStack();
  port = Number(store.temporalAddress.split(':')[1]);
  temporal = await startTemporal();
});
after(async () => {
  await temporal?.process.stop();
  await store?.stop();
});

const event = () => paymentSucceeded({ orderId: uid('ord'), items: [{ sku: uid('SKU'), quantity: 1 }] });
const workflowIdOf = (e: { id: string }) => `payment-succeeded:payments:${e.id}`;

test('Temporal down: once the breaker is open no request calls Temporal; a probe closes it when Temporal is back', async () => {
  const connection = Connection.lazy({ address: store.temporalAddress, channelArgs: { 'grpc.max_reconnect_backoff_ms': 500 } });
  const client = new Client({ connection });
  let temporalCalls = 0;
  const real = createRunStarter(client, TEST_TASK_QUEUE, log, 1000);
  const counted: RunStarter = (runs, e, l) => { temporalCalls++; return real(runs, e, l); };
  // The production chain with a shorter breaker; only the Temporal call is counted.
  const ingress: TestIngress = await startIngress({ db: store.db, definitions, client, temporalStart: counted, startDeadlineMs: 1000, breaker: { failuresToOpen: 2, probeEveryMs: 200 }, log, settings: { maxBackoffMs: 500 } });
  const breaker = ingress.ingress.starter.breaker;
  try {
    const up = await postEvent(ingress.url, event());
    assert.equal(up.status, 202);
    assert.equal(up.body.pending, undefined, 'Temporal is up: started at once');

    await temporal!.process.stop();
    temporal = undefined;
    const opening = [event(), event()];
    for (const e of opening) {
      const res = await postEvent(ingress.url, e);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.pending, true);
    }
    assert.equal(breaker.isOpen(), true, 'two transient failures in a row open it');
    const callsWhenOpened = temporalCalls;

    const whileOpen = Array.from({ length: 6 }, event);
    const answers = await Promise.all(whileOpen.map((e) => postEvent(ingress!.url, e)));
    for (const a of answers) {
      assert.equal(a.status, 202, JSON.stringify(a.body));
      assert.equal(a.body.pending, true, 'stored and left to the relay');
    }
    const again = await postEvent(ingress.url, whileOpen[0]);
    assert.equal(again.status, 200, 'duplicates are still recognised');
    assert.equal(temporalCalls, callsWhenOpened, 'no start reached Temporal while the breaker was open (requests or relay)');

    temporal = await startTemporal();
    await waitFor('a probe to close the breaker', async () => !breaker.isOpen(), { attempts: 600, intervalMs: 100 });
    const back = await postEvent(ingress.url, event());
    assert.equal(back.status, 202);
    assert.equal(back.body.pending, undefined, 'closed again: started at once');

    const stored = [...opening, ...whileOpen].map((e) => `payments:${e.id}`);
    await waitFor('the relay to start every stored event', async () =>
      (await ingress!.deliveries.collection.countDocuments({ _id: { $in: stored }, 'relay.state': 'started' })) === stored.length, { attempts: 1200, intervalMs: 100 });
    const observer = new Client({ connection: await Connection.connect({ address: store.temporalAddress }) });
    try {
      for (const e of [...opening, ...whileOpen]) await observer.workflow.getHandle(workflowIdOf(e)).describe();
    } finally {
      await observer.connection.close();
    }
  } finally {
    await ingress.stop();
    await connection.close().catch(() => undefined);
  }
});

test('past the in-flight bound: 503 + Retry-After at once, nothing stored; the retry is accepted', async () => {
  const connection = await Connection.connect({ address: temporal!.address });
  const real = createRunStarter(new Client({ connection }), TEST_TASK_QUEUE, log, 3000);
  // Holds the two admitted requests between their store write and their start.
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  let waiting = 0;
  const held: RunStarter = async (runs, e, l) => { waiting++; await gate; return real(runs, e, l); };
  const ingress = await startIngress({ db: store.db, definitions, temporalStart: held, client: new Client({ connection }), log, maxInFlight: 2 });
  try {
    const admitted = [event(), event()];
    const inProgress = admitted.map((e) => postEvent(ingress.url, e));
    await waitFor('two requests to be in progress', async () => waiting === 2);

    const refused = event();
    const res = await postEvent(ingress.url, refused);
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'unavailable');
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal(await ingress.deliveries.collection.countDocuments({ eventId: refused.id }), 0, 'a 503 stores nothing');

    release();
    for (const a of await Promise.all(inProgress)) assert.equal(a.status, 202, 'every admitted request is honoured');
    const retried = await postEvent(ingress.url, refused);
    assert.equal(retried.status, 202, 'the provider\'s retry is a new event, not a duplicate');
    assert.equal(retried.body.status, 'accepted');
    assert.equal(waiting, 3);
  } finally {
    await ingress.stop();
    await connection.close();
  }
});
