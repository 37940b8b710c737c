// SIGHUP to the real ingress process reloads its definitions. The flows folder is a symlink swapped
// to a new folder, as a Kubernetes ConfigMap volume is updated: the folder watch (on the old target)
// sees nothing, so only the signal can bring the new flow in. FerretDB is real; Temporal is not
// running, so an event with a flow is accepted and left to the relay (202, pending).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/net';
import { type BareFerretDb, startBareFerretDb } from '../helpers/bare-ferretdb';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { ROOT } from '../helpers/paths';
import { type ProjectProcess, spawnNodeEntry } from '../helpers/processes';
import { TEST_SECRET } from '../helpers/stack';

const PROBE_FLOW = `name: sighup-probe
trigger:
  source: payments
  events: [payment.succeeded]
steps:
  - id: note
    uses: log
    with:
      message: "payment {{ event.id }}"
`;

let mongo: BareFerretDb;
let dir: string;
before(async () => {
  mongo = await startBareFerretDb('sighup');
  dir = mkdtempSync(join(tmpdir(), 'hookflow-sighup-'));
});
after(async () => {
  await mongo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('SIGHUP to the ingress process: a flow added where the watch cannot see it takes effect', async () => {
  // Two versions of the flows folder; "flows" points at the first.
  for (const version of ['v1', 'v2']) {
    mkdirSync(join(dir, version));
    copyFileSync(join(ROOT, 'flows/payment-refunded.yaml'), join(dir, version, 'payment-refunded.yaml'));
  }
  writeFileSync(join(dir, 'v2', 'sighup-probe.yaml'), PROBE_FLOW);
  symlinkSync(join(dir, 'v1'), join(dir, 'flows'));

  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env, PORT: String(port), ADMIN_PORT: '0', HOOKFLOW_PRETTY_LOGS: '0', PAYMENTS_WEBHOOK_SECRET: TEST_SECRET,
    HOOKFLOW_FLOWS_DIR: join(dir, 'flows'), MONGODB_URI: mongo.ferret.uri, MONGODB_DB: uid('sighup'),
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, // nothing listens: accepted events wait for the relay
  };
  delete env.HOOKFLOW_ADMIN_TOKEN;
  const ingress: ProjectProcess = spawnNodeEntry('server/main.ts', env);
  try {
    await ingress.waitForLine(/"msg":"ingress listening"/);
    const url = `http://127.0.0.1:${port}`;
    const before = await postEvent(url, paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU_1', quantity: 1 }] }));
    assert.equal(before.status, 200, JSON.stringify(before.body));
    assert.equal(before.body.status, 'ignored', 'no flow for payment.succeeded yet');

    // The swap: a new symlink renamed over the old one (atomic), as kubelet does.
    symlinkSync(join(dir, 'v2'), join(dir, 'flows.next'));
    renameSync(join(dir, 'flows.next'), join(dir, 'flows'));
    const from = ingress.output().length;
    process.kill(ingress.child.pid!, 'SIGHUP');
    const reloaded = await ingress.waitForLine(/definitions reloaded \(SIGHUP\)/, { from });
    assert.match(reloaded, /sighup-probe/, 'the reload log names the added flow');

    const after = await postEvent(url, paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU_1', quantity: 1 }] }));
    assert.equal(after.status, 202, JSON.stringify(after.body));
    assert.equal(after.body.status, 'accepted');
    assert.deepEqual(after.body.runs.map((r: { flow: string }) => r.flow), ['sighup-probe']);
    assert.equal(ingress.child.exitCode, null, 'SIGHUP does not stop the ingress');
  } finally {
    ingress.child.kill('SIGTERM');
    await ingress.exited;
  }
});
