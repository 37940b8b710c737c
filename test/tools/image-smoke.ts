// The image without Docker: runs the two processes as the Dockerfile and docker-compose.yml start
// them, from a folder laid out as the image's /app, with whatever `node` is first on PATH (the
// Node version under test), against the embedded Temporal, FerretDB and SMTP catcher:
//   node dist/cli/main.js test                  the shipped flow tests, reading /app/samples
//   node dist/server/main.js, dist/worker/main.js  NODE_ENV=production, the image's NODE_OPTIONS
//   one signed payment.succeeded                →  202, order paid in MongoDB, the customer's mail caught
// Lay the folder out first (docs/production.md "Node version"):
//   npm run build; mkdir APP; cp package.json package-lock.json APP; (cd APP && npm ci --omit=dev)
//   cp -r dist flows sources schemas samples APP; mkdir APP/destinations
// Usage: node --import tsx test/tools/image-smoke.ts APP     (exit 0: every check passed)
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { startEmbeddedServices } from '../../devstack/services';
import { generatePayloadKeys } from '../../lib/payload-codec';
import { freePort } from '../../lib/net';
import { signHmac } from '../../verification/hmac';
import { waitFor } from '../helpers/wait-for';

const app = resolve(process.argv[2] ?? '');
const dockerfile = readFileSync(join(__dirname, '../../Dockerfile'), 'utf8');
/** The image's heap flags, read from the Dockerfile so this runs what the image runs. */
const NODE_OPTIONS = /ENV NODE_OPTIONS="([^"]+)"/.exec(dockerfile)![1]!;
const SECRET = `smoke-${Date.now()}-webhook-secret`;
const children: ChildProcess[] = [];

function start(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn('node', [entry], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tag = entry.split('/')[1];
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (d: Buffer) => { if (process.env.SMOKE_ECHO) process.stdout.write(`[${tag}] ${d}`); });
  child.on('exit', (code) => { if (code) console.error(`${entry} exited with ${code}`); });
  children.push(child);
  return child;
}

async function main() {
  console.log(`node ${spawnSync('node', ['--version']).stdout.toString().trim()} from PATH; image folder ${app}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-image-'));
  const ports = { temporal: await freePort(), temporalUi: await freePort(), mongo: await freePort(), smtp: await freePort() };
  const services = await startEmbeddedServices({ dataDir, ports, headless: true });
  const mongo = new MongoClient(services.mongodbUri);
  try {
    const [port, adminPort, opsPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', NODE_OPTIONS,
      HOOKFLOW_FLOWS_DIR: join(app, 'flows'), HOOKFLOW_SOURCES_DIR: join(app, 'sources'), HOOKFLOW_SCHEMAS_DIR: join(app, 'schemas'), HOOKFLOW_DESTINATIONS_DIR: join(app, 'destinations'),
      PORT: String(port), ADMIN_PORT: String(adminPort), WORKER_OPS_PORT: String(opsPort),
      TEMPORAL_ADDRESS: services.temporalAddress, MONGODB_URI: services.mongodbUri, SMTP_URL: services.smtpUrl,
      PAYMENTS_WEBHOOK_SECRET: SECRET, HOOKFLOW_ADMIN_TOKEN: `smoke-admin-${Date.now()}-token`, HOOKFLOW_PAYLOAD_KEYS: generatePayloadKeys('k1'),
      HOOKFLOW_BUNDLE_CACHE: join(dataDir, 'bundles'), LOG_LEVEL: 'info',
    };

    const flowTests = spawnSync('node', ['dist/cli/main.js', 'test'], { cwd: app, env, encoding: 'utf8' });
    assert.equal(flowTests.status, 0, `hookflow test:\n${flowTests.stdout}${flowTests.stderr}`);
    console.log(`ok: node dist/cli/main.js test: ${flowTests.stdout.trim().split('\n').at(-1)}`);

    start('dist/server/main.js', env);
    start('dist/worker/main.js', env);
    await waitFor('the ingress ready', async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined))?.ok, { attempts: 600, intervalMs: 100 });
    await waitFor('the worker ready', async () => (await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => undefined))?.ok, { attempts: 1200, intervalMs: 100 });
    console.log('ok: ingress and worker ready (/readyz)');

    const db = mongo.db('hookflow');
    const [orderId, sku, email] = [`ord_${Date.now()}`, `SKU_${Date.now()}`, `smoke-${Date.now()}@example.com`];
    await db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: orderId, status: 'pending' });
    await db.collection<{ _id: string; stock: number }>('inventory').insertOne({ _id: sku, stock: 3 });
    const event = { id: `evt_${Date.now()}`, type: 'payment.succeeded', created_at: new Date().toISOString(), data: { payment_id: 'pay_1', order_id: orderId, amount: 1999, currency: 'EUR', customer: { email, name: 'Smoke Test' }, items: [{ sku, quantity: 1 }] } };
    const raw = JSON.stringify(event);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = signHmac({ algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', signedPayload: '{timestamp}.{body}' }, Buffer.from(SECRET), Buffer.from(raw), timestamp);
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/payments`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hookflow-timestamp': timestamp, 'x-hookflow-signature': signature }, body: raw });
    assert.equal(res.status, 202, await res.text());
    await waitFor('the order paid', async () => (await db.collection<{ _id: string; status: string }>('orders').findOne({ _id: orderId }))?.status === 'paid', { attempts: 600, intervalMs: 100 });
    const [mail] = await services.smtp!.waitFor((m) => m.to.includes(email));
    assert.match(mail!.subject ?? '', new RegExp(orderId));
    assert.equal((await db.collection<{ _id: string; stock: number }>('inventory').findOne({ _id: sku }))?.stock, 2);
    console.log('ok: signed payment.succeeded → 202 → order paid, stock 3 → 2, mail caught');
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    await mongo.close();
    await services.stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
});
