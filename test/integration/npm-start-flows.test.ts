// Every flow `npm start` turns on completes against the embedded stack and its payments sandbox:
// each is triggered the way a person would (bin/hookflow send with the shipped fixtures; the
// scheduled sweep through its Temporal Schedule), the correlated one gets its callback, and each
// run must close Completed in Temporal. The flows are listed from the definitions, so a newly
// shipped flow without a trigger here fails the test.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { loadConfig } from '../../lib/config';
import { loadDefinitions } from '../../definitions/definitions';
import { ROOT } from '../helpers/paths';
import { freeStackPorts } from '../helpers/stack-ports';
import { waitFor } from '../helpers/wait-for';

const EVENTS = join(ROOT, 'test/fixtures/events');
/** What npm start sets PAYMENTS_WEBHOOK_SECRET to (devstack/start.ts; importing it would start a stack). */
const DEV_WEBHOOK_SECRET = 'dev-secret-change-me';
let launcher: ChildProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-start-flows-'));
after(() => {
  launcher?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** The environment npm start is given: free ports, and nothing pointing at outside services. */
async function launcherEnv(): Promise<{ env: NodeJS.ProcessEnv; ports: Record<string, number> }> {
  const ports: Record<string, number> = await freeStackPorts();
  const env: NodeJS.ProcessEnv = { ...process.env, HOOKFLOW_DATA_DIR: dataDir, HOOKFLOW_PRETTY_LOGS: '0' };
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  for (const k of ['TEMPORAL_ADDRESS', 'MONGODB_URI', 'SMTP_URL', 'PAYMENTS_WEBHOOK_SECRET', 'PAYMENTS_API_URL', 'PAYMENTS_API_TOKEN',
    'LEDGER_API_URL', 'LEDGER_API_TOKEN', 'LEDGER_SIGNING_SECRET']) delete env[k];
  return { env, ports };
}

/** The flows npm start runs with this environment: the same check the launcher makes. */
function flowsOn(env: NodeJS.ProcessEnv): string[] {
  const withDevSecret = { ...env, PAYMENTS_WEBHOOK_SECRET: DEV_WEBHOOK_SECRET };
  return loadDefinitions(loadConfig(withDevSecret), withDevSecret).flows.map((f) => f.name).sort();
}

test('every flow npm start turns on completes through the CLI and the sandbox', async () => {
  const { env, ports } = await launcherEnv();
  const on = flowsOn(env);
  launcher = spawn(process.execPath, ['--import', 'tsx', 'devstack/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  launcher.stdout!.on('data', (c) => { output += c; });
  launcher.stderr!.on('data', (c) => { output += c; });
  await waitFor('npm start to be running', async () => {
    assert.equal(launcher!.exitCode, null, `launcher exited early:\n${output}`);
    return output.includes('hookflow is running.');
  }, { attempts: 600, intervalMs: 200 });
  // The same list as the ingress the launcher started reports, so the check above mirrors npm start.
  const listening = await waitFor('the ingress to log its flows', async () => output.split('\n').find((l) => l.includes('"msg":"ingress listening"')));
  assert.deepEqual((JSON.parse(listening.slice(listening.indexOf('{'))) as { flows: string[] }).flows.sort(), on);

  const cliEnv = { ...process.env, HOOKFLOW_URL: `http://127.0.0.1:${ports.PORT}`, PAYMENTS_WEBHOOK_SECRET: DEV_WEBHOOK_SECRET };
  /** `bin/hookflow send payments FILE --new-id`: the workflow ids of the runs it started or signalled. */
  const send = (fixture: string): { flow: string; workflowId: string }[] => {
    const file = fixture.startsWith('/') ? fixture : join(EVENTS, fixture);
    const sent = spawnSync(join(ROOT, 'bin/hookflow'), ['send', 'payments', file, '--new-id'], { cwd: ROOT, encoding: 'utf8', env: cliEnv });
    assert.equal(sent.status, 0, `${fixture}: ${sent.stdout}${sent.stderr}`);
    const answer = JSON.parse(sent.stdout.slice(sent.stdout.indexOf('{'))) as { runs: { flow: string; workflowId: string }[] };
    return answer.runs;
  };

  const connection = await Connection.connect({ address: `127.0.0.1:${ports.HOOKFLOW_TEMPORAL_PORT}` });
  const mongo = await new MongoClient(`mongodb://127.0.0.1:${ports.HOOKFLOW_MONGO_PORT}/`).connect();
  try {
    const client = new Client({ connection });
    const orders = mongo.db('hookflow').collection<{ _id: string; status?: string; paymentId?: string; awaitingSince?: string; reconciledBy?: string; confirmedBy?: string }>('orders');
    /** flow → how to start its run here; returns the workflow ids to see closed. */
    const triggers: Record<string, () => Promise<string[]>> = {
      'payment-succeeded': async () => ids(send('payment.succeeded.json'), 'payment-succeeded'),
      // A refund of the demo order (the fixture's order is not in the demo data).
      'payment-refunded': async () => ids(send(withData('payment.refunded.json', { order_id: 'ord_1001' })), 'payment-refunded'),
      'order-placed': async () => ids(send('order.placed.json'), 'order-placed'),
      'order-updated': async () => ids(send('order.updated.json'), 'order-updated'),
      // Its fixture reconciles after 1s: the sandbox answers the poll (succeeded by default).
      'payment-pending': async () => ids(send('payment.pending.json'), 'payment-pending'),
      // The bank transfer waits for its callback; the callback goes to the same run.
      'payment-created': async () => {
        const started = ids(send('payment.created.json'), 'payment-created');
        assert.deepEqual(ids(send('payment.succeeded-bank-transfer.json'), 'payment-created'), started, 'the callback reaches the waiting run');
        return started;
      },
      // A payment left waiting for two hours is what the sweep reconciles with the sandbox.
      'payment-sweep': async () => {
        await orders.insertOne({ _id: 'ord_stale', status: 'awaiting-payment', paymentId: 'pay_stale', awaitingSince: new Date(Date.now() - 2 * 3600_000).toISOString() });
        const schedule = client.schedule.getHandle('hookflow:payment-sweep');
        await waitFor('the sweep schedule to be synced', () => schedule.describe().then(() => true, () => false));
        await schedule.trigger();
        const action = await waitFor('the triggered sweep run', async () => (await schedule.describe()).info.recentActions[0]?.action);
        return [action.workflow.workflowId];
      },
    };
    assert.deepEqual(on, Object.keys(triggers).sort(), 'every flow npm start turns on has a trigger here, and only those');

    // One flow at a time, each run closed before the next starts: several touch the demo order and stock.
    for (const flow of on) {
      const workflowIds = await triggers[flow]!();
      assert.ok(workflowIds.length > 0, `${flow} started a run`);
      for (const workflowId of workflowIds) {
        const handle = client.workflow.getHandle(workflowId);
        await waitFor(`${workflowId} to exist`, () => handle.describe().then(() => true, (err) => { if (err instanceof WorkflowNotFoundError) return false; throw err; }));
        await handle.result().catch((err: Error) => assert.fail(`${flow}: ${workflowId} did not complete: ${err.message}\n${output.slice(-4000)}`));
        assert.equal((await handle.describe()).status.name, 'COMPLETED', `${flow}: ${workflowId}`);
      }
    }
    // What the correlated and the reconciling runs did, as the callback and the sandbox answered them.
    assert.equal((await orders.findOne({ _id: 'ord_1001' }))?.confirmedBy, 'received');
    assert.equal((await orders.findOne({ _id: 'ord_2002' }))?.status, 'paid');
    assert.deepEqual(await orders.findOne({ _id: 'ord_stale' }, { projection: { _id: 0, status: 1, reconciledBy: 1 } }), { status: 'paid', reconciledBy: 'sweep' });
  } finally {
    await mongo.close();
    await connection.close();
  }

  const exited = new Promise<number | null>((resolve) => launcher!.once('exit', (code) => resolve(code)));
  launcher.kill('SIGINT');
  assert.equal(await exited, 0, output);
});

/** A copy of a fixture with some `data` fields changed, in this test's folder. */
function withData(fixture: string, data: Record<string, unknown>): string {
  const event = JSON.parse(readFileSync(join(EVENTS, fixture), 'utf8')) as { data: Record<string, unknown> };
  const file = join(dataDir, `changed-${fixture}`);
  writeFileSync(file, JSON.stringify({ ...event, data: { ...event.data, ...data } }));
  return file;
}

function ids(runs: { flow: string; workflowId: string }[], flow: string): string[] {
  return runs.filter((r) => r.flow === flow).map((r) => r.workflowId);
}
