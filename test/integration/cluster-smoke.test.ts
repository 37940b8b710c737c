// The production topology as `npm run cluster` starts it (PostgreSQL, Temporal's four services,
// its Web UI, FerretDB, 3 workers, 3 ingress replicas behind HAProxy with TLS): the README's first
// event, sent through the load balancer, is accepted, its run completes with its effects and can
// be found by its search attribute in the SQL visibility store; SIGTERM then stops every process.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort } from '../../lib/net';
import { ROOT } from '../helpers/paths';
import { type ProjectProcess, spawnProject } from '../helpers/processes';
import { waitFor } from '../helpers/wait-for';

const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-cluster-'));
chmodSync(dataDir, 0o755); // PostgreSQL runs as the postgres user when the test runs as root
let launcher: ProjectProcess | undefined;
after(() => {
  launcher?.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('npm run cluster: the README event through HAProxy completes on the Temporal cluster; SIGTERM stops every process', async () => {
  const ports = {
    HOOKFLOW_CLUSTER_PORT: await freePort(), HOOKFLOW_TEMPORAL_PORT: await freePort(), HOOKFLOW_TEMPORAL_UI_PORT: await freePort(),
    HOOKFLOW_POSTGRES_PORT: await freePort(), HOOKFLOW_MONGO_PORT: await freePort(), HOOKFLOW_SMTP_PORT: await freePort(),
    HOOKFLOW_PAYMENTS_SANDBOX_PORT: await freePort(),
  };
  const env: NodeJS.ProcessEnv = { ...process.env, HOOKFLOW_CLUSTER_DATA_DIR: dataDir, HOOKFLOW_PRETTY_LOGS: '0', PAYMENTS_WEBHOOK_SECRET: '' };
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  for (const k of ['TEMPORAL_ADDRESS', 'MONGODB_URI', 'SMTP_URL', 'PAYMENTS_API_URL', 'PAYMENTS_API_TOKEN', 'LEDGER_API_URL']) delete env[k];
  launcher = spawnProject(process.execPath, ['--import', 'tsx', 'devstack/cluster/main.ts'], env);
  await launcher.waitForLine(/hookflow cluster is running\./, { timeoutMs: 240_000 });
  const banner = launcher.output();
  const pids = [...banner.matchAll(/^ {4}(\S+).*?pid (\d+)/gm)].map((m) => ({ name: m[1], pid: Number(m[2]) }));
  const names = pids.map((p) => p.name);
  for (const name of ['postgres', 'ferretdb', 'temporal-frontend', 'temporal-history', 'temporal-matching', 'temporal-worker', 'temporal-ui', 'worker-3', 'ingress-3', 'haproxy']) {
    assert.ok(names.includes(name), `the banner lists ${name}:\n${banner}`);
  }

  // The README's command as written, sent to the load balancer's HTTPS port with its certificate.
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n(SECRET=dev-secret-change-me[\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has the "send a first event" block');
  const cert = join(dataDir, 'haproxy', 'tls', 'cert.pem');
  const command = block[1].replace('curl -i http://127.0.0.1:3000', `curl -s --cacert ${cert} https://127.0.0.1:${ports.HOOKFLOW_CLUSTER_PORT}`);
  const sent = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
  assert.equal(sent.status, 0, sent.stderr);
  const answer = JSON.parse(sent.stdout) as { status: string; runs: { workflowId: string }[] };
  assert.equal(answer.status, 'accepted', sent.stdout);
  assert.equal(answer.runs[0].workflowId, 'payment-succeeded:payments:evt_demo_1');

  // The email is the flow's last step: once it is caught, every earlier effect is in place.
  const mailDir = join(dataDir, 'services', 'mail');
  await waitFor('the customer email', async () => readdirSync(mailDir).some((f) => f.endsWith('.eml')), { attempts: 300, intervalMs: 200 });
  const mongo = await new MongoClient(`mongodb://127.0.0.1:${ports.HOOKFLOW_MONGO_PORT}/`).connect();
  try {
    const db = mongo.db('hookflow');
    assert.equal((await db.collection<{ _id: string; status: string }>('orders').findOne({ _id: 'ord_1001' }))?.status, 'paid');
    const stock = Object.fromEntries((await db.collection<{ _id: string; stock: number }>('inventory').find().toArray()).map((d) => [d._id, d.stock]));
    assert.deepEqual(stock, { 'SKU-TSHIRT': 98, 'SKU-MUG': 49 });
  } finally {
    await mongo.close();
  }
  // The run, completed, found by hookflow's search attribute in PostgreSQL's visibility store,
  // through the Temporal Web UI's API (the UI server talks to the cluster's frontend).
  const query = encodeURIComponent('HookflowEventId = "evt_demo_1"');
  const found = await waitFor('the run in visibility as completed', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.HOOKFLOW_TEMPORAL_UI_PORT}/api/v1/namespaces/default/workflows?query=${query}`);
    const body = (await res.json()) as { executions?: { execution: { workflowId: string }; status: string }[] };
    return body.executions?.find((e) => e.status === 'WORKFLOW_EXECUTION_STATUS_COMPLETED');
  }, { attempts: 150, intervalMs: 200 });
  assert.equal(found.execution.workflowId, 'payment-succeeded:payments:evt_demo_1');

  launcher.child.kill('SIGTERM');
  assert.deepEqual(await launcher.exited, { code: 0, signal: null }, launcher.output().slice(-3000));
  await waitFor('every process of the cluster to be gone', async () => pids.every((p) => !alive(p.pid)), { attempts: 150, intervalMs: 200 })
    .catch(() => assert.fail(`still running: ${pids.filter((p) => alive(p.pid)).map((p) => `${p.name} ${p.pid}`).join(', ')}`));
});
