// Start errors classified, on the real dev server: what no retry can cure (an unknown namespace,
// a search attribute the namespace does not have, a payload over Temporal's limit) marks the
// delivery failed at once, with its reason, counted and listed; what a retry can cure (Temporal
// unreachable) stays pending, and the relay gives up after its bounded time and says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import pino from 'pino';
import { startTemporalDevServer, type TemporalDevServer } from '../../devstack/temporal';
import { TOOLS, ensureTool } from '../../devstack/tools';
import { freePort } from '../../lib/net';
import { StartRefusedError } from '../../lib/errors';
import { systemClock } from '../../lib/clock';
import type { DeliveryRecord } from '../../server/deliveries/record';
import { createRunStarter } from '../../server/starts/start-runs';
import { planRuns } from '../../server/starts/planned-runs';
import { TEST_TASK_QUEUE } from '../helpers/stack';
import { TEST_ADMIN_TOKEN, type StoreStack, shippedDefinitions, startIngress, startStoreStack } from '../helpers/ingress';
import { admin } from '../helpers/admin';
import { waitFor } from '../helpers/wait-for';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const definitions = shippedDefinitions();
let store: StoreStack;
let temporal: TemporalDevServer;
let connection: Connection;

before(async () => {
  store = await startStoreStack();
  temporal = await startTemporalDevServer({ bin: ensureTool(TOOLS.temporal), port: await freePort(), headless: true, dbFile: join(store.dataDir, 'temporal.sqlite') });
  connection = await Connection.connect({ address: temporal.address });
});
after(async () => {
  await connection?.close();
  await temporal?.process.stop();
  await store?.stop();
});

const adminSettings = (namespace: string) => ({ token: TEST_ADMIN_TOKEN, temporalUiUrl: 'http://127.0.0.1:1', namespace, replayConcurrency: 1 });

async function ingressFor(namespace: string, extra: Parameters<typeof startIngress>[0]['relay'] = {}, client = new Client({ connection, namespace })) {
  return startIngress({ db: store.db, definitions, client, taskQueue: TEST_TASK_QUEUE, startDeadlineMs: 2000, log, relay: extra, admin: adminSettings(namespace) });
}

const record = (id: string) => store.db.collection<DeliveryRecord>('hookflow_deliveries').findOne({ _id: `payments:${id}` });

async function metric(url: string, line: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.split(' ')[1]) : 0;
}

test('a start into a namespace that does not exist is failed with its reason, counted and listed, not pending', async () => {
  const ingress = await ingressFor(`no-such-namespace-${uid('ns')}`);
  try {
    const event = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'sku-1', quantity: 1 }] });
    const res = await postEvent(ingress.url, event);
    assert.equal(res.status, 500, JSON.stringify(res.body));
    assert.equal(res.body.error?.code ?? res.body.code, 'start_refused', JSON.stringify(res.body));
    const stored = await record(event.id);
    assert.equal(stored?.relay?.state, 'failed');
    assert.equal(stored?.relay?.failedReason, 'not_found');
    assert.match(stored?.relay?.lastError ?? '', /namespace/i);
    assert.equal(await metric(ingress.adminUrl, 'hookflow_start_failures_total{source="payments",reason="not_found"}'), 1);
    const listed = await admin(ingress.adminUrl, 'GET', '/admin/deliveries?outcome=failed');
    assert.equal(listed.status, 200);
    const item = listed.body.items.find((d: { eventId: string }) => d.eventId === event.id);
    assert.equal(item?.start?.state, 'failed');
    assert.equal(item?.start?.reason, 'not_found');
    const pending = await admin(ingress.adminUrl, 'GET', '/admin/deliveries?outcome=pending');
    assert.ok(!pending.body.items.some((d: { eventId: string }) => d.eventId === event.id), 'not listed as pending');
    // A rejection record would double-count it: the event's own record says what happened.
    assert.equal(await store.db.collection('hookflow_deliveries').countDocuments({ eventId: event.id }), 1);
  } finally {
    await ingress.stop();
  }
});

/** The event's start fails for good (an ingress pointed at a namespace that does not exist): its record is marked failed. */
async function failOnMisconfiguredNamespace(event: ReturnType<typeof paymentSucceeded>): Promise<void> {
  const misconfigured = await ingressFor(`no-such-namespace-${uid('ns')}`);
  try {
    assert.equal((await postEvent(misconfigured.url, event)).status, 500);
  } finally {
    await misconfigured.stop();
  }
}

test('a re-delivery of an event whose start failed starts it again, once, whoever sends it how often', async () => {
  const event = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'sku-1', quantity: 1 }] });
  await failOnMisconfiguredNamespace(event);
  assert.equal((await record(event.id))?.relay?.state, 'failed');
  // The operator fixed the setting; the provider's retries arrive, four at once.
  const fixed = await ingressFor('default');
  try {
    const answers = await Promise.all([1, 2, 3, 4].map(() => postEvent(fixed.url, event)));
    const accepted = answers.filter((a) => a.status === 202);
    assert.equal(accepted.length, 1, `one re-delivery starts it: ${JSON.stringify(answers.map((a) => [a.status, a.body.status]))}`);
    assert.equal(accepted[0].body.status, 'accepted');
    assert.equal(accepted[0].body.deliveryId, `payments:${event.id}`);
    for (const a of answers.filter((x) => x !== accepted[0])) assert.deepEqual([a.status, a.body.status], [200, 'duplicate']);
    const started = await waitFor('the record marked started', async () => { const r = await record(event.id); return r?.relay?.state === 'started' && r; });
    assert.equal(started.relay?.reopenedFrom, 'not_found');
    const run = await new Client({ connection, namespace: 'default' }).workflow.getHandle(started.runs[0].workflowId).describe();
    assert.equal(run.runId, started.runs[0].runId, 'the run the record names exists');
    const again = await postEvent(fixed.url, event);
    assert.deepEqual([again.status, again.body.status], [200, 'duplicate'], 'once started, a re-delivery is a duplicate');
  } finally {
    await fixed.stop();
  }
});

test('a re-delivery of a failed event whose run had started meanwhile finds that run: no second one', async () => {
  const event = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'sku-1', quantity: 1 }] });
  await failOnMisconfiguredNamespace(event);
  const failed = await record(event.id);
  assert.equal(failed?.relay?.state, 'failed');
  // A start that went through although the record says failed (e.g. a replay or another replica).
  const client = new Client({ connection, namespace: 'default' });
  const first = await client.workflow.start('runFlow', { taskQueue: uid('q'), workflowId: failed!.runs[0].workflowId, args: [] });
  const fixed = await ingressFor('default');
  try {
    const res = await postEvent(fixed.url, event);
    assert.deepEqual([res.status, res.body.status], [200, 'duplicate'], JSON.stringify(res.body));
    await waitFor('the record marked started', async () => (await record(event.id))?.relay?.state === 'started');
    assert.equal((await client.workflow.getHandle(first.workflowId).describe()).runId, first.firstExecutionRunId, 'still the one run');
  } finally {
    await fixed.stop();
  }
});

test('a namespace without hookflow\'s search attributes fails the delivery (invalid_argument), not pending', async () => {
  const namespace = uid('bare');
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  const client = new Client({ connection, namespace });
  // The namespace is usable once a start without search attributes is accepted there.
  await waitFor('the new namespace to take starts', async () => client.workflow.start('noWorkerRunsThis', { taskQueue: uid('q'), workflowId: uid('probe') }).then(() => true, () => false), { intervalMs: 200 });
  const ingress = await ingressFor(namespace, {}, client);
  try {
    const event = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'sku-1', quantity: 1 }] });
    const res = await postEvent(ingress.url, event);
    assert.equal(res.status, 500, JSON.stringify(res.body));
    const stored = await record(event.id);
    assert.equal(stored?.relay?.state, 'failed');
    assert.equal(stored?.relay?.failedReason, 'invalid_argument');
    assert.match(stored?.relay?.lastError ?? '', /search attribute/i);
  } finally {
    await ingress.stop();
  }
});

test('a payload over Temporal\'s size limit is refused for good (payload_too_large)', async () => {
  const client = new Client({ connection, namespace: 'default' });
  const event = { id: uid('evt'), type: 'payment.succeeded', source: 'payments', receivedAt: new Date().toISOString(), body: {
    ...paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'sku-1', quantity: 1 }] }), padding: 'x'.repeat(3 * 1024 * 1024),
  } };
  const planned = await planRuns(definitions.flows.filter((f) => f.name === 'payment-succeeded'), event);
  const err = await createRunStarter(client, TEST_TASK_QUEUE, log, 5000)(planned, event).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof StartRefusedError, `refused for good, got ${String(err)}`);
  assert.equal(err.reason, 'payload_too_large');
});

test('Temporal unreachable: pending, retried by the relay, which gives up after its bounded time and says so', async () => {
  // Nothing listens there: every start fails with UNAVAILABLE (a transient error).
  const down = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }), namespace: 'default' });
  // The relay's clock is a day ahead, past the give-up time of an hour: its first retry gives up.
  const ingress = await ingressFor('default', { giveUpAfterMs: 3_600_000, clock: { ...systemClock, now: () => Date.now() + 86_400_000 } }, down);
  try {
    const event = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'sku-1', quantity: 1 }] });
    const res = await postEvent(ingress.url, event);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.pending, true, 'a transient error leaves the event pending for the relay');
    const failed = await waitFor('the relay to give up', async () => { const r = await record(event.id); return r?.relay?.state === 'failed' && r; });
    assert.equal(failed.relay?.failedReason, 'gave_up');
    assert.match(failed.relay?.lastError ?? '', /^gave up after 2 attempts over \d+ s; last error: .*(UNAVAILABLE|cannot accept)/);
    assert.equal(await metric(ingress.adminUrl, 'hookflow_start_failures_total{source="payments",reason="gave_up"}'), 1);
  } finally {
    await ingress.stop();
  }
});
