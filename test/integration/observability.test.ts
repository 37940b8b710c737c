// Observability against the real stack: the ingress's /metrics, /readyz, request ids and log lines,
// and the worker's per-flow run counters. Every counter is read before and after and must move by
// exactly what was sent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type Koa from 'koa';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { freePort } from '../../lib/net';
import { createApp } from '../../server/webhooks/app';
import { createRunStarter } from '../../server/starts/start-runs';
import { createLogger } from '../../lib/logger';
import { startOpsServer } from '../../worker/ops-server';
import { DeliveryStore } from '../../server/deliveries/store';
import { TEST_DELIVERY_SETTINGS, startIngress } from '../helpers/ingress';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { scrape } from '../helpers/prometheus';
import { waitFor } from '../helpers/wait-for';
import { assertNotReady } from '../helpers/readiness';
import { ROOT, TEST_TASK_QUEUE, startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
const servers: Server[] = [];
before(async () => { stack = await startTestStack({ flowsDir: join(ROOT, 'test/fixtures/ops/flows') }); });
after(async () => {
  for (const s of servers) s.close();
  await stack?.stop();
});

const WEBHOOK = '/webhooks/:source';

/** Serves an app built by a test on a loopback port, closed after the file. */
async function serve(app: Koa): Promise<string> {
  const server: Server = await new Promise((res) => { const s = app.listen(0, '127.0.0.1', () => res(s)); });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// First, so that no run of another test finishes while the counters are compared.
test('the worker counts completed and failed runs per flow on its /metrics', async () => {
  const ops = await startOpsServer({ port: 0, host: '127.0.0.1', checks: [], sdkMetricsAddress: stack.sdkMetricsAddress });
  servers.push(ops);
  const workerMetrics = `http://127.0.0.1:${(ops.address() as AddressInfo).port}/metrics`;
  const m0 = await scrape(workerMetrics);
  const res = await postEvent(stack.ingressUrl, paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'A', quantity: 1 }] }));
  assert.equal(res.status, 202);
  const run = (flow: string) => stack.client.workflow.getHandle(res.body.runs.find((r: { flow: string }) => r.flow === flow).workflowId);
  await run('ops-ok').result();
  await assert.rejects(run('ops-fails').result(), WorkflowFailedError);

  // The counters are updated when the worker concludes the run's last task, which may be just after
  // the result is visible to the client: read again until they moved (bounded), then compare exactly.
  const counts = async () => {
    const m = await scrape(workerMetrics);
    return [m('hookflow_runs_completed', { flow: 'ops-ok' }), m('hookflow_runs_failed', { flow: 'ops-fails' }), m('hookflow_runs_completed', { flow: 'ops-fails' }), m('hookflow_runs_failed', { flow: 'ops-ok' })];
  };
  const expected = [
    m0('hookflow_runs_completed', { flow: 'ops-ok' }) + 1, m0('hookflow_runs_failed', { flow: 'ops-fails' }) + 1,
    m0('hookflow_runs_completed', { flow: 'ops-fails' }), m0('hookflow_runs_failed', { flow: 'ops-ok' }),
  ];
  let seen = await counts();
  for (let i = 0; i < 50 && seen.slice(0, 2).some((v, j) => v < expected[j]); i++) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await counts();
  }
  assert.deepEqual(seen, expected);
  const sdk = await (await fetch(workerMetrics)).text();
  assert.match(sdk, /^temporal_workflow_completed/m, "Temporal's own SDK metrics are served alongside");
});

test('ingress counters and histograms move by exactly the deliveries sent', async () => {
  const m0 = await scrape(`${stack.adminUrl}/metrics`);
  const event = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'A', quantity: 1 }] });

  const accepted = await postEvent(stack.ingressUrl, event, { headers: { 'x-request-id': 'req-metrics-1' } });
  assert.equal(accepted.status, 202);
  assert.equal(accepted.headers.get('x-request-id'), 'req-metrics-1', 'the given request id is echoed');
  assert.equal((await postEvent(stack.ingressUrl, event)).status, 200); // duplicate
  assert.equal((await postEvent(stack.ingressUrl, event, { secret: 'wrong' })).status, 401);
  assert.equal((await postEvent(stack.ingressUrl, { ...event, id: uid('evt'), data: {} })).status, 422);
  assert.equal((await postEvent(stack.ingressUrl, { id: uid('evt'), type: 'not.configured' })).status, 200); // ignored
  const unknown = await postEvent(stack.ingressUrl, event, { source: `nope-${uid('s')}` });
  assert.equal(unknown.status, 404);
  assert.match(unknown.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, 'a request id is generated when none is given');

  // The started mark follows the answer by up to its linger: only then does nothing wait for the relay.
  await waitFor('the accepted event marked started', async () => (await stack.deliveries.collection.findOne({ _id: accepted.body.deliveryId }))?.relay?.state === 'started');
  const m1 = await scrape(`${stack.adminUrl}/metrics`);
  const delta = (name: string, labels: Record<string, string>) => m1(name, labels) - m0(name, labels);
  const deliveries = (source: string, event_type: string, outcome: string) => delta('hookflow_deliveries_total', { source, event_type, outcome });
  assert.equal(deliveries('payments', 'payment.succeeded', 'accepted'), 1);
  assert.equal(deliveries('payments', 'payment.succeeded', 'duplicate'), 1);
  assert.equal(deliveries('payments', 'payment.succeeded', 'rejected'), 1, 'the schema violation knows its type');
  assert.equal(deliveries('payments', 'other', 'rejected'), 1, 'a bad signature is refused before the type is read');
  assert.equal(deliveries('payments', 'other', 'ignored'), 1, 'a type no definition names is counted as other');
  assert.equal(deliveries('other', 'other', 'rejected'), 1, 'an unknown source is counted as other');
  assert.equal(delta('hookflow_duplicates_total', { source: 'payments' }), 1);
  assert.equal(delta('hookflow_rejections_total', { source: 'payments', reason: 'signature_invalid' }), 1);
  assert.equal(delta('hookflow_rejections_total', { source: 'payments', reason: 'schema_violation' }), 1);
  assert.equal(delta('hookflow_rejections_total', { source: 'other', reason: 'unknown_source' }), 1);
  assert.equal(delta('hookflow_runs_started_total', { flow: 'ops-ok' }), 1);
  assert.equal(delta('hookflow_runs_started_total', { flow: 'ops-fails' }), 1);
  assert.equal(delta('hookflow_workflow_start_seconds_count', { outcome: 'started' }), 1, 'one hand-over for the one new event (two runs)');
  assert.equal(delta('hookflow_workflow_start_seconds_bucket', { outcome: 'started', le: '+Inf' }), 1);
  const requests = (status: string) => delta('hookflow_ingress_request_duration_seconds_count', { route: WEBHOOK, status });
  assert.deepEqual(['202', '200', '401', '422', '404'].map(requests), [1, 2, 1, 1, 1]);
  assert.equal(m1('hookflow_relay_backlog'), 0, 'nothing waits for the relay');
  assert.ok(m1('hookflow_ingress_process_resident_memory_bytes') > 0, 'process metrics are served');
});

test('the relay backlog gauge counts accepted events not started yet', async () => {
  const before = (await scrape(`${stack.adminUrl}/metrics`))('hookflow_relay_backlog');
  const store = new DeliveryStore(stack.db, TEST_DELIVERY_SETTINGS);
  const now = new Date();
  const id = uid('backlog');
  // Pending, but due only in an hour: the relay leaves it alone while the gauge sees it.
  await store.collection.insertOne({
    _id: id, source: 'payments', eventId: id, eventType: 'payment.succeeded', receivedAt: now, outcome: 'accepted', status: 202, runs: [],
    expiresAt: store.expiry(now), relay: { state: 'pending', attempts: 1, nextAttemptAt: new Date(now.getTime() + 3600_000), leaseUntil: now },
  });
  assert.equal((await scrape(`${stack.adminUrl}/metrics`))('hookflow_relay_backlog'), before + 1);
  await store.collection.deleteOne({ _id: id });
});

test('the oldest-pending gauge gives the age of the oldest event waiting, 0 when none waits', async () => {
  const m = () => scrape(`${stack.adminUrl}/metrics`).then((read) => read('hookflow_relay_oldest_pending_seconds'));
  assert.equal(await m(), 0);
  const store = new DeliveryStore(stack.db, TEST_DELIVERY_SETTINGS);
  const now = new Date();
  const pending = (id: string, receivedAt: Date) => ({
    _id: id, source: 'payments', eventId: id, eventType: 'payment.succeeded', receivedAt, outcome: 'accepted' as const, status: 202, runs: [],
    expiresAt: store.expiry(now), relay: { state: 'pending' as const, attempts: 1, nextAttemptAt: new Date(now.getTime() + 3600_000), leaseUntil: now },
  });
  // Received two hours and one hour ago, due only in an hour: the relay leaves them alone.
  const ids = [uid('old'), uid('older')];
  await store.collection.insertMany([pending(ids[0], new Date(now.getTime() - 3600_000)), pending(ids[1], new Date(now.getTime() - 7200_000))]);
  const age = await m();
  assert.ok(age >= 7200 && age < 7200 + 600, `the oldest one's age, got ${age}`);
  await store.collection.deleteMany({ _id: { $in: ids } });
  assert.equal(await m(), 0);
});

test('readyz answers 200 when Temporal and MongoDB answer, 503 naming MongoDB when it does not', async () => {
  const ready = await fetch(`${stack.adminUrl}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { ready: true, checks: { temporal: { ok: true }, mongodb: { ok: true } } });

  // An ingress whose MongoDB is a closed port: alive, not ready, and it says which check failed.
  const deadMongo = new MongoClient(`mongodb://127.0.0.1:${await freePort()}/`, { serverSelectionTimeoutMS: 500 });
  const dead = await startIngress({ db: deadMongo.db('x'), definitions: stack.definitions, client: stack.client, log: pino({ level: 'silent' }) });
  const url = dead.adminUrl;
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  await assertNotReady(await fetch(`${url}/readyz`), 'mongodb');
  const metrics = await scrape(`${url}/metrics`);
  assert.equal(metrics('hookflow_relay_backlog'), -1, 'the backlog is unknown while the store is unreachable');
  assert.equal(metrics('hookflow_relay_oldest_pending_seconds'), -1);
  await dead.stop();
  await deadMongo.close();
});

test('every ingress log line about an event carries the request and delivery ids; start lines the workflow id; no signature', async () => {
  const lines: Record<string, any>[] = [];
  const log = createLogger({ level: 'debug', pretty: false, name: 'ingress' }, { write: (s: string) => { lines.push(JSON.parse(s)); } });
  const deliveries = new DeliveryStore(stack.db, TEST_DELIVERY_SETTINGS);
  const app = createApp({ getDefinitions: () => stack.definitions, startRuns: createRunStarter(stack.client, TEST_TASK_QUEUE, log), deliveries, log });
  const url = await serve(app);

  const event = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'A', quantity: 1 }] });
  const res = await postEvent(url, event, { headers: { 'x-request-id': 'req-logs-1' } });
  assert.equal(res.status, 202);
  const dup = await postEvent(url, event, { headers: { 'x-request-id': 'req-logs-2' } });
  assert.equal(dup.status, 200);
  const bad = await postEvent(url, { ...event, id: uid('evt') }, { secret: 'wrong', headers: { 'x-request-id': 'req-logs-3' } });
  assert.equal(bad.status, 401);

  const ofRequest = (id: string) => lines.filter((l) => l.requestId === id);
  const accepted = ofRequest('req-logs-1');
  const started = accepted.filter((l) => l.msg === 'run started');
  assert.equal(started.length, 2, 'one line per run started');
  for (const l of started) {
    assert.equal(l.deliveryId, res.body.deliveryId);
    assert.equal(l.eventId, event.id);
    assert.ok(res.body.runs.some((r: { workflowId: string }) => r.workflowId === l.workflowId));
  }
  assert.equal(accepted.find((l) => l.msg === 'request')?.deliveryId, res.body.deliveryId);
  const duplicate = ofRequest('req-logs-2');
  assert.ok(duplicate.find((l) => l.msg === 'duplicate delivery: nothing started')?.deliveryId);
  assert.equal(duplicate.find((l) => l.msg === 'request')?.deliveryId, dup.body.deliveryId);
  assert.ok(ofRequest('req-logs-3').some((l) => l.msg === 'request rejected' && l.code === 'signature_invalid'));
  assert.equal(lines.filter((l) => l.msg === 'request' && !l.requestId).length, 0, 'every request line has its id');
  assert.doesNotMatch(JSON.stringify(lines), /sha256=[0-9a-f]{16}/, 'no signature is logged');
});
