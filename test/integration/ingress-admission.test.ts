// Admission sized from measured throughput, through the real ingress: the bound on webhook
// requests in progress follows the rate at which admitted requests complete (on the test's clock,
// which stands still unless the test moves it), and a request past it gets 503 + Retry-After at
// once with nothing stored, while every admitted request is honoured.
// Real FerretDB and a real Temporal dev server; starts are held at a gate the test opens.
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
import { type StoreStack, shippedDefinitions, startIngress, startStoreStack } from '../helpers/ingress';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const definitions = shippedDefinitions();
let store: StoreStack;
let temporal: TemporalDevServer | undefined;

before(async () => {
  store = await startStoreStack();
  const port = Number(store.temporalAddress.split(':')[1]);
  temporal = await startTemporalDevServer({ bin: ensureTool(TOOLS.temporal), port, headless: true, dbFile: join(store.dataDir, 'temporal.sqlite') });
});
after(async () => {
  await temporal?.process.stop();
  await store?.stop();
});

const event = () => paymentSucceeded({ orderId: uid('ord'), items: [{ sku: uid('SKU'), quantity: 1 }] });

test('the bound follows the completion rate and falls back to the floor; past it 503 + Retry-After, nothing stored, every 2xx honoured', async () => {
  const connection = await Connection.connect({ address: temporal!.address });
  const real = createRunStarter(new Client({ connection }), TEST_TASK_QUEUE, log, 3000);
  let gate: Promise<void> = Promise.resolve();
  let waiting = 0;
  const held: RunStarter = async (runs, e, l) => { waiting++; await gate; waiting--; return real(runs, e, l); };
  const hold = () => { let open!: () => void; gate = new Promise<void>((r) => { open = r; }); return open; };
  let clock = 0;
  const ingress = await startIngress({ db: store.db, definitions, temporalStart: held, log, maxInFlight: 64, admission: { targetMs: 500, floor: 2, now: () => clock } });
  const stored = (e: { id: string }) => ingress.deliveries.collection.countDocuments({ eventId: e.id });
  /** Holds `n` requests in progress, then sends one more: it must be refused and leave nothing. */
  const fillAndRefuse = async (n: number) => {
    const open = hold();
    const admitted = Array.from({ length: n }, event);
    const answers = admitted.map((e) => postEvent(ingress.url, e));
    await waitFor(`${n} requests to be in progress`, async () => waiting === n);
    const refused = event();
    const res = await postEvent(ingress.url, refused);
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'unavailable');
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal(await stored(refused), 0, 'a 503 stores nothing');
    return { open, admitted, answers, refused };
  };
  const honoured = async (batch: Awaited<ReturnType<typeof fillAndRefuse>>) => {
    batch.open();
    for (const a of await Promise.all(batch.answers)) assert.equal(a.status, 202, JSON.stringify(a.body));
    for (const e of batch.admitted) assert.equal(await stored(e), 1, 'every 2xx has its record');
  };
  try {
    // 10 complete one by one, 100 ms apart on the test's clock (answered in 0 ms, nothing
    // queued): 10/s, so the bound is 10/s × (0 + 500) ms = 5.
    for (let i = 0; i < 10; i++) {
      clock += 100;
      assert.equal((await postEvent(ingress.url, event())).status, 202);
    }
    const grown = await fillAndRefuse(5);
    // A second later nothing has completed within the window: back to the floor, the 5 are still held.
    clock += 1001;
    const res = await postEvent(ingress.url, event());
    assert.equal(res.status, 503, 'the floor applies once the rate is gone');
    await honoured(grown);
    const retried = await postEvent(ingress.url, grown.refused);
    assert.equal(retried.status, 202, 'the provider\'s retry is a new event, not a duplicate');
    assert.equal(retried.body.status, 'accepted');
  } finally {
    await ingress.stop();
    await connection.close();
  }
});
