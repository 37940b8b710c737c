// The shipped alert rules in a real Prometheus, scraping the real stack: the ingress's /metrics and
// the worker's ops /metrics (its own metrics plus the SDK's). Every metric the rules and the Grafana
// dashboard name is one the processes serve, and every dashboard query evaluates; the worker reads as polling, so its alert stays quiet; failing runs of a
// flow make HookflowRunsFailing fire for that flow, and not for the flow whose runs complete.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ROOT, startTestStack, type TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { startFakeApi, type FakeApi } from '../helpers/fake-api';
import { ALERT_RULES, type PrometheusServer, startPrometheus } from '../helpers/prometheus-server';
import { waitFor } from '../helpers/wait-for';

const DASHBOARD = join(ROOT, 'ops/grafana/hookflow-dashboard.json');
/** The worker's per-flow counters, emitted through the SDK once a run ends so. */
const RUN_COUNTERS = ['hookflow_runs_completed', 'hookflow_runs_failed', 'hookflow_reconciliation_exhausted'];
import { createWorkerMetrics } from '../../lib/metrics';
import { startOpsServer } from '../../worker/ops-server';

let stack: TestStack;
let ledger: FakeApi;
let ops: Server;
let prometheus: PrometheusServer;
let ingressMetricsUrl: string;
let workerMetricsUrl: string;

before(async () => {
  ledger = await startFakeApi();
  ledger.handler = () => ({ status: 400, body: { error: 'unknown order' } }); // every tell-ledger run fails
  process.env.ADMIN_TEST_LEDGER_URL = ledger.url;
  stack = await startTestStack({ flowsDir: join(ROOT, 'test/fixtures/admin/flows') });
  const metrics = createWorkerMetrics();
  metrics.watchWorker(() => stack.worker!.getState());
  ops = await startOpsServer({ port: 0, host: '127.0.0.1', checks: [], sdkMetricsAddress: stack.sdkMetricsAddress, registry: metrics.registry });
  workerMetricsUrl = `http://127.0.0.1:${(ops.address() as AddressInfo).port}/metrics`;
  ingressMetricsUrl = `${stack.adminUrl}/metrics`; // the ingress's admin listener
  prometheus = await startPrometheus({ 'hookflow-ingress': ingressMetricsUrl, 'hookflow-worker': workerMetricsUrl });
});
after(async () => {
  await prometheus?.stop();
  ops?.close();
  await stack?.stop();
  await ledger?.close();
});

interface Alert { labels: Record<string, string>; state: string }
const alerts = async () => (await prometheus.api<{ alerts: Alert[] }>('alerts')).alerts;

test('Prometheus scrapes both processes; every metric the rules name is served; the worker polls', async () => {
  await waitFor('both targets to be up', async () => {
    const { activeTargets } = await prometheus.api<{ activeTargets: { labels: { job: string }; health: string }[] }>('targets');
    return activeTargets.length === 2 && activeTargets.every((t) => t.health === 'up');
  }, { attempts: 300, intervalMs: 200 });
  const polling = await waitFor('hookflow_worker_polling to be scraped', async () => {
    const { result } = await prometheus.api<{ result: { value: [number, string] }[] }>('query?query=hookflow_worker_polling');
    return result[0]?.value[1];
  }, { attempts: 100, intervalMs: 200 });
  assert.equal(polling, '1', 'the running worker reports that it polls');

  // Counters labelled by what happened appear once it happened; their HELP line is there before.
  const served = `${await (await fetch(ingressMetricsUrl)).text()}\n${await (await fetch(workerMetricsUrl)).text()}`;
  const named = new Set(`${readFileSync(ALERT_RULES, 'utf8')}\n${readFileSync(DASHBOARD, 'utf8')}`.match(/\bhookflow_[a-z_]+/g));
  const onlyOnceItHappens = new Set(RUN_COUNTERS); // SDK counters: no HELP line before their first run
  const missing = [...named].filter((m) => !onlyOnceItHappens.has(m) && !new RegExp(`^# HELP ${m.replace(/_(count|bucket)$/, '')} `, 'm').test(served));
  assert.deepEqual(missing, [], 'metrics named by the rules or the dashboard and served by no process');
});

test('every query of the Grafana dashboard is one this Prometheus evaluates', async () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
  assert.ok(dashboard.panels.length >= 8);
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets) {
      await assert.doesNotReject(prometheus.api(`query?query=${encodeURIComponent(expr)}`), `${panel.title}: ${expr}`);
    }
  }
});

test('failing runs of a flow make HookflowRunsFailing fire for that flow only', async () => {
  assert.deepEqual((await alerts()).filter((a) => a.labels.alertname === 'HookflowRunsFailing'), [], 'quiet before any run failed');
  for (let i = 0; i < 2; i++) {
    const res = await postEvent(stack.ingressUrl, paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU-A', quantity: 1 }] }));
    assert.equal(res.status, 202);
    for (const run of res.body.runs as { workflowId: string }[]) await stack.client.workflow.getHandle(run.workflowId).result().catch(() => undefined);
  }
  const firing = await waitFor('HookflowRunsFailing to fire', async () => {
    const found = (await alerts()).filter((a) => a.labels.alertname === 'HookflowRunsFailing' && a.state === 'firing');
    return found.length ? found : undefined;
  }, { attempts: 300, intervalMs: 200 });
  assert.deepEqual(firing.map((a) => a.labels.flow), ['tell-ledger'], 'note-payment completed: no alert for it');
  assert.equal(firing[0].labels.severity, 'warning');
  const notPolling = (await alerts()).filter((a) => a.labels.alertname === 'HookflowWorkerNotPolling');
  assert.deepEqual(notPolling, [], 'the worker polls: its alert is not even pending');
  const worker = await (await fetch(workerMetricsUrl)).text();
  for (const m of RUN_COUNTERS.slice(0, 2)) assert.match(worker, new RegExp(`^# HELP ${m} `, 'm'), `${m} is served once runs ended`);
  // The SDK's metrics the rules name (HookflowWorkerStalled), served once workflow tasks ran.
  const sdkNamed = new Set(readFileSync(ALERT_RULES, 'utf8').match(/\btemporal_[a-z_]+/g));
  assert.ok(sdkNamed.size > 0);
  for (const m of sdkNamed) assert.match(worker, new RegExp(`^${m}(_bucket)?[{ ]`, 'm'), `${m} is served by the worker`);
  const stalled = (await alerts()).filter((a) => a.labels.alertname === 'HookflowWorkerStalled');
  assert.deepEqual(stalled, [], 'runs go through: the stall alert is not even pending');
});
