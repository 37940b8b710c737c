// The newcomer's path: the `npm start` launcher brings up the whole embedded stack, the README's
// copy-paste command (run as written, but against this test's port) produces a completed run,
// and Ctrl-C (SIGINT) stops every child.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { Client, Connection } from '@temporalio/client';
import { freeStackPorts } from '../helpers/stack-ports';
import { portAnswers } from '../../devstack/process';
import { ROOT } from '../helpers/paths';
import { scrape } from '../helpers/prometheus';
import { signPayments } from '../helpers/events';

let launcher: ChildProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-start-'));
after(() => {
  launcher?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function readmeCommand(ingressPort: number): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n(SECRET=dev-secret-change-me[\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has the "send a first event" block');
  return block[1].replace(/127\.0\.0\.1:3000/g, `127.0.0.1:${ingressPort}`).replace('curl -i', 'curl -s');
}

test('npm start serves the README example end to end and stops cleanly on SIGINT', async () => {
  const ports = await freeStackPorts();
  const env: NodeJS.ProcessEnv = { ...process.env, HOOKFLOW_DATA_DIR: dataDir, HOOKFLOW_PRETTY_LOGS: '0', PAYMENTS_WEBHOOK_SECRET: '' };
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  delete env.TEMPORAL_ADDRESS; delete env.MONGODB_URI; delete env.SMTP_URL;
  delete env.PAYMENTS_API_URL; delete env.PAYMENTS_API_TOKEN; delete env.LEDGER_API_URL;
  launcher = spawn(process.execPath, ['--import', 'tsx', 'devstack/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  launcher.stdout!.on('data', (c) => { output += c; });
  launcher.stderr!.on('data', (c) => { output += c; });
  const exited = new Promise<number | null>((resolve) => launcher!.once('exit', (code) => resolve(code)));

  for (let i = 0; i < 600 && !output.includes('hookflow is running.'); i++) {
    assert.equal(launcher.exitCode, null, `launcher exited early:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(output, /hookflow is running\./);
  assert.match(output, new RegExp(`Temporal UI  http://127\\.0\\.0\\.1:${ports.HOOKFLOW_TEMPORAL_UI_PORT}`));
  assert.ok(await portAnswers(ports.HOOKFLOW_TEMPORAL_UI_PORT), 'the Temporal Web UI listens');

  const sent = spawnSync('bash', ['-c', readmeCommand(ports.PORT)], { encoding: 'utf8' });
  assert.equal(sent.status, 0, sent.stderr);
  const answer = JSON.parse(sent.stdout);
  assert.equal(answer.status, 'accepted');
  assert.equal(answer.runs[0].workflowId, 'payment-succeeded:payments:evt_demo_1');

  // The email is the flow's last step: once it is caught, every earlier effect is in place.
  const mailDir = join(dataDir, 'mail');
  for (let i = 0; i < 150 && readdirSync(mailDir).length === 0; i++) await new Promise((r) => setTimeout(r, 200));
  assert.equal(readdirSync(mailDir).filter((f) => f.endsWith('.eml')).length, 1, 'the customer email was caught');

  const mongo = await new MongoClient(`mongodb://127.0.0.1:${ports.HOOKFLOW_MONGO_PORT}/`).connect();
  try {
    const db = mongo.db('hookflow');
    const order = await db.collection<{ _id: string; status: string }>('orders').findOne({ _id: 'ord_1001' });
    assert.equal(order?.status, 'paid');
    const stock = Object.fromEntries((await db.collection<{ _id: string; stock: number }>('inventory').find().toArray()).map((d) => [d._id, d.stock]));
    assert.deepEqual(stock, { 'SKU-TSHIRT': 98, 'SKU-MUG': 49 });
  } finally {
    await mongo.close();
  }

  // The processes as started for real serve their health and metrics, and log the run with its ids.
  const ingress = `http://127.0.0.1:${ports.ADMIN_PORT}`; // /readyz and /metrics are on the admin listener
  const workerOps = `http://127.0.0.1:${ports.WORKER_OPS_PORT}`;
  for (const url of [ingress, workerOps]) assert.equal((await fetch(`${url}/readyz`)).status, 200, `${url}/readyz`);
  const ingressMetrics = await scrape(`${ingress}/metrics`);
  assert.equal(ingressMetrics('hookflow_deliveries_total', { source: 'payments', event_type: 'payment.succeeded', outcome: 'accepted' }), 1);
  assert.equal(ingressMetrics('hookflow_runs_started_total', { flow: 'payment-succeeded' }), 1);
  let completed = 0;
  for (let i = 0; i < 50 && completed === 0; i++) {
    completed = (await scrape(`${workerOps}/metrics`))('hookflow_runs_completed', { flow: 'payment-succeeded' });
    if (completed === 0) await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(completed, 1, 'the worker counted the completed run');
  const started = output.split('\n').find((l) => l.includes('"msg":"run started"'));
  assert.ok(started, output);
  const line = JSON.parse(started.slice(started.indexOf('{'))) as Record<string, string>;
  assert.equal(line.workflowId, 'payment-succeeded:payments:evt_demo_1');
  assert.ok(line.requestId && line.deliveryId, started);

  // The ingress synced the shipped scheduled flow into a Temporal Schedule (it may still be at it).
  // Without PAYMENTS_API_URL the payments sandbox stands in for the provider's API, so the sweep has what it needs.
  assert.match(output, new RegExp(`payments API http://127\\.0\\.0\\.1:${ports.HOOKFLOW_PAYMENTS_SANDBOX_PORT} \\(sandbox`));
  assert.match(output, /schedule {5}hookflow:payment-sweep: every 15m\n/);
  const sandboxStatus = async (id: string) => (await fetch(`http://127.0.0.1:${ports.HOOKFLOW_PAYMENTS_SANDBOX_PORT}/payments/${id}`, { headers: { authorization: 'Bearer dev-sandbox-token' } })).json();
  assert.deepEqual(await sandboxStatus('pay_1'), { id: 'pay_1', status: 'succeeded' });
  // An event sent through the ingress sets what the sandbox reports (data.status).
  const created = JSON.stringify({
    id: 'evt_start_created', type: 'payment.created', created_at: '2026-11-23T10:00:00Z',
    data: { payment_id: 'pay_start', order_id: 'ord_1001', amount: 100, currency: 'EUR', method: 'bank_transfer', customer: { email: 'ada@example.com' }, items: [{ sku: 'SKU-MUG', quantity: 1 }], status: 'expired' },
  });
  const createdAnswer = await fetch(`http://127.0.0.1:${ports.PORT}/webhooks/payments`, { method: 'POST', headers: signPayments(created, { secret: 'dev-secret-change-me' }), body: created });
  assert.equal(createdAnswer.status, 202, await createdAnswer.clone().text());
  assert.deepEqual(await sandboxStatus('pay_start'), { id: 'pay_start', status: 'expired' });
  // A flow whose required variables are unset is off, and the banner says what to set.
  assert.match(output, /off {10}flow zapier-catch-hook: set ZAPIER_CATCH_HOOK_URL, ZAPIER_SIGNING_SECRET to turn it on\n/);
  const connection = await Connection.connect({ address: `127.0.0.1:${ports.HOOKFLOW_TEMPORAL_PORT}` });
  try {
    const schedule = new Client({ connection }).schedule.getHandle('hookflow:payment-sweep');
    let described = await schedule.describe().catch(() => undefined);
    for (let i = 0; i < 100 && !described; i++) described = await new Promise((r) => setTimeout(r, 100)).then(() => schedule.describe().catch(() => undefined));
    assert.deepEqual(described?.spec.intervals?.map((i) => i.every), [15 * 60_000]);
    // Without LEDGER_API_URL the sandbox is the ledger too: a refund's run completes.
    const refund = JSON.stringify({
      id: 'evt_start_refund', type: 'payment.refunded', created_at: '2026-11-23T10:00:00Z',
      data: { refund_id: 're_start', payment_id: 'pay_1', order_id: 'ord_1001', amount: 500, currency: 'EUR', customer: { email: 'ada@example.com' } },
    });
    const refunded = await fetch(`http://127.0.0.1:${ports.PORT}/webhooks/payments`, { method: 'POST', headers: signPayments(refund, { secret: 'dev-secret-change-me' }), body: refund });
    const refundRuns = ((await refunded.json()) as { runs: { workflowId: string }[] }).runs;
    assert.equal(refunded.status, 202);
    await new Client({ connection }).workflow.getHandle(refundRuns[0]!.workflowId).result();
  } finally {
    await connection.close();
  }

  // The README's "what happened to event X": the admin API is on with the development token.
  const show = spawnSync(join(ROOT, 'bin/hookflow'), ['deliveries', 'show', 'payments:evt_demo_1'], {
    encoding: 'utf8', env: { ...process.env, HOOKFLOW_ADMIN_URL: `http://127.0.0.1:${ports.ADMIN_PORT}`, HOOKFLOW_ADMIN_TOKEN: 'dev-admin-token-change-me' },
  });
  assert.equal(show.status, 0, show.stderr);
  assert.ok(show.stdout.includes(`http://127.0.0.1:${ports.HOOKFLOW_TEMPORAL_UI_PORT}/namespaces/default/workflows/payment-succeeded%3Apayments%3Aevt_demo_1/`), show.stdout);

  launcher.kill('SIGINT');
  assert.equal(await exited, 0, output);
  assert.match(output, /hookflow: stopped\./);
  for (const port of Object.values(ports)) assert.equal(await portAnswers(port), false, `port ${port} is closed after Ctrl-C`);
});
