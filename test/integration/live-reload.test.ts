// Live reload as an ops person meets it: files saved into the definitions folders of a running
// ingress process (and a worker process) change what the next signed request does, the log says
// what changed, a broken save keeps the running set, and the next good save recovers. Last, the
// same two processes are stopped with SIGTERM while an activity is in flight: both drain, exit 0.
import { after, before, test } from 'node:test';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedServices, type EmbeddedServices } from '../../devstack/services';
import { freePort } from '../../lib/net';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { ROOT, TEST_SECRET } from '../helpers/stack';
import { type ProjectProcess, spawnNodeEntry } from '../helpers/processes';

const dir = mkdtempSync(join(tmpdir(), 'hookflow-reload-'));
const flowsDir = join(dir, 'flows');
const sourcesDir = join(dir, 'sources');
let services: EmbeddedServices;
let ingress: ProjectProcess;
let worker: ProjectProcess;
let ingressUrl: string;

const flowYaml = (label: string, uses = 'email.send') => `name: greet
trigger: { source: payments, events: [payment.succeeded] }
steps:
  - id: tell
    uses: ${uses}
    with:
      to: "{{ event.body.data.customer.email }}"
      subject: "${label} {{ event.body.id }}"
      text: hello
`;

/** Saves as many editors do: a temporary file renamed over the real one. */
function saveByRename(file: string, text: string) {
  const temp = join(dir, `.${Date.now()}.tmp`);
  writeFileSync(temp, text);
  renameSync(temp, file);
}

before(async () => {
  mkdirSync(flowsDir);
  cpSync(join(ROOT, 'sources'), sourcesDir, { recursive: true });
  cpSync(join(ROOT, 'schemas'), join(dir, 'schemas'), { recursive: true });
  writeFileSync(join(flowsDir, 'greet.yaml'), flowYaml('v1'));
  services = await startEmbeddedServices({
    dataDir: join(dir, 'data'), headless: true,
    ports: { temporal: await freePort(), temporalUi: await freePort(), mongo: await freePort(), smtp: await freePort() },
  });
  const port = await freePort();
  const opsPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: services.temporalAddress, MONGODB_URI: services.mongodbUri, SMTP_URL: services.smtpUrl,
    MONGODB_DB: uid('reload'), TEMPORAL_TASK_QUEUE: uid('reload'), PORT: String(port), ADMIN_PORT: '0', WORKER_OPS_PORT: String(opsPort),
    HOOKFLOW_FLOWS_DIR: flowsDir, HOOKFLOW_SOURCES_DIR: sourcesDir, HOOKFLOW_SCHEMAS_DIR: join(dir, 'schemas'),
    PAYMENTS_WEBHOOK_SECRET: TEST_SECRET, HOOKFLOW_PRETTY_LOGS: '0', LOG_LEVEL: 'info',
    // The slow API of the SIGTERM case listens on loopback: allowed explicitly, as npm start allows its sandbox.
    HOOKFLOW_EGRESS_ALLOW: '127.0.0.1',
  };
  worker = spawnNodeEntry('worker/main.ts', env);
  ingress = spawnNodeEntry('server/main.ts', env);
  ingressUrl = `http://127.0.0.1:${port}`;
  await Promise.all([worker.waitForLine(/"msg":"worker running"/, { timeoutMs: 120_000 }), ingress.waitForLine(/"msg":"ingress listening"/)]);
});

after(async () => {
  for (const p of [ingress, worker]) {
    if (p && p.child.exitCode === null) { p.child.kill('SIGTERM'); await p.exited; }
  }
  await services?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Posts a new payments event and returns the subjects of the mail its run sent. */
async function runOnce(): Promise<string[]> {
  const event = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU-X', quantity: 1 }] });
  const res = await postEvent(ingressUrl, event);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await services.smtp!.waitFor((m) => m.subject?.endsWith(event.id) ?? false, 1, 60_000);
  return services.smtp!.messages.filter((m) => m.subject?.endsWith(event.id)).map((m) => m.subject!.replace(` ${event.id}`, ''));
}

/** Polls a source until its answer is not `status` any more (bounded); returns the new status. */
async function statusOnceNot(source: string, status: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const res = await postEvent(ingressUrl, paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU-X', quantity: 1 }] }), { source });
    if (res.status !== status) return res.status;
    await new Promise((r) => setTimeout(r, 100));
  }
  return status;
}

test('a source file added or removed while the ingress runs answers, then 404s again', async () => {
  assert.equal((await postEvent(ingressUrl, paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU-X', quantity: 1 }] }), { source: 'shop' })).status, 404);
  const from = ingress.output().length;
  saveByRename(join(sourcesDir, 'shop.yaml'), readFileSync(join(sourcesDir, 'payments.yaml'), 'utf8').replace('name: payments', 'name: shop'));
  assert.equal(await statusOnceNot('shop', 404), 200, `the new source answers (no flow listens to it: ignored)\n${ingress.output()}`);
  await ingress.waitForLine(/definitions reloaded \(files changed: .*shop\.yaml\): sources added shop/, { from });

  const removedFrom = ingress.output().length;
  unlinkSync(join(sourcesDir, 'shop.yaml'));
  assert.equal(await statusOnceNot('shop', 200), 404, `the removed source is unknown again\n${ingress.output()}`);
  await ingress.waitForLine(/definitions reloaded .*: sources removed shop/, { from: removedFrom });
});

test('a changed flow runs in its new version; a broken save keeps the running one; the next good save recovers', async () => {
  assert.deepEqual(await runOnce(), ['v1']);

  let from = ingress.output().length;
  saveByRename(join(flowsDir, 'greet.yaml'), flowYaml('v2'));
  await ingress.waitForLine(/definitions reloaded .*: flows changed greet/, { from });
  await ingress.waitForLine(/"reason":"definitions reloaded".*"msg":"schedules in sync"/, { from });
  assert.deepEqual(await runOnce(), ['v2'], 'the next run runs the saved version (the worker runs what the run carries)');

  from = ingress.output().length;
  writeFileSync(join(flowsDir, 'greet.yaml'), flowYaml('v3', 'email.nope'));
  await ingress.waitForLine(/definitions reload rejected, the previous definitions stay in force/, { from });
  await ingress.waitForLine(/greet\.yaml:5:11: .*uses/, { from });
  assert.deepEqual(await runOnce(), ['v2'], 'a broken save keeps the running set');

  from = ingress.output().length;
  writeFileSync(join(flowsDir, 'greet.yaml'), flowYaml('v4'));
  await ingress.waitForLine(/definitions reloaded .*: flows changed greet/, { from });
  assert.deepEqual(await runOnce(), ['v4'], 'the next good save recovers');
  assert.equal(worker.child.exitCode, null, 'the worker keeps running through every save');
});

test('SIGTERM while an activity is in flight: the worker lets it finish, both processes exit 0', async () => {
  // A loopback API that holds its answer until the test lets it go.
  let hold: ServerResponse | undefined;
  let arrived: () => void = () => {};
  const requestArrived = new Promise<void>((r) => { arrived = r; });
  const api = createServer((_req, res) => { hold = res; arrived(); });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const connection = await Connection.connect({ address: services.temporalAddress });
  try {
    const from = ingress.output().length;
    writeFileSync(join(flowsDir, 'greet.yaml'), `name: greet
trigger: { source: payments, events: [payment.succeeded] }
steps:
  - id: call-slow-api
    uses: http.request
    with: { method: POST, url: "http://127.0.0.1:${(api.address() as AddressInfo).port}/slow", body: { ok: true }, timeout: 60s }
`);
    await ingress.waitForLine(/definitions reloaded .*: flows changed greet/, { from });
    const res = await postEvent(ingressUrl, paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU-X', quantity: 1 }] }));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await requestArrived; // the activity is running now

    const workerFrom = worker.output().length;
    worker.child.kill('SIGTERM');
    await worker.waitForLine(/worker draining/, { from: workerFrom });
    hold!.writeHead(200, { 'content-type': 'application/json' }).end('{"done":true}');
    assert.deepEqual(await worker.exited, { code: 0, signal: null }, worker.output().slice(workerFrom));

    const history = await new Client({ connection }).workflow.getHandle(res.body.runs[0].workflowId).fetchHistory();
    const events = history.events ?? [];
    assert.equal(events.filter((e) => e.activityTaskCompletedEventAttributes).length, 1, 'the in-flight activity finished');
    assert.equal(events.filter((e) => e.activityTaskFailedEventAttributes || e.activityTaskCanceledEventAttributes).length, 0);

    ingress.child.kill('SIGTERM');
    assert.deepEqual(await ingress.exited, { code: 0, signal: null });
    assert.match(ingress.output(), /"msg":"ingress stopped"/);
  } finally {
    await connection.close();
    api.closeAllConnections();
    api.close();
  }
});
