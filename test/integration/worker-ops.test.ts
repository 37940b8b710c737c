// The worker's operations endpoint against real dependencies: alive, ready when Temporal and
// MongoDB answer, not ready (503, saying which) when one does not, and Prometheus metrics.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { standardChecks } from '../../lib/health';
import { freePort } from '../../lib/net';
import { startOpsServer } from '../../worker/ops-server';
import { startTestStack, type TestStack } from '../helpers/stack';
import { assertNotReady } from '../helpers/readiness';

let stack: TestStack;
let temporal: Connection;
const servers: Server[] = [];
before(async () => {
  stack = await startTestStack();
  temporal = await Connection.connect({ address: stack.services.temporalAddress });
});
after(async () => {
  for (const s of servers) s.close();
  await temporal?.close();
  await stack?.stop();
});

async function ops(checks: Parameters<typeof startOpsServer>[0]['checks']) {
  const server = await startOpsServer({ port: 0, host: '127.0.0.1', checks });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('healthz, readyz and metrics answer when Temporal and MongoDB are up', async () => {
  const url = await ops(standardChecks({ temporal, mongo: stack.db }));
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { ready: true, checks: { temporal: { ok: true }, mongodb: { ok: true } } });
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /hookflow_worker_process_resident_memory_bytes/);
});

test('readyz is 503 and names the dependency that does not answer', async () => {
  const deadMongo = new MongoClient(`mongodb://127.0.0.1:${await freePort()}/`, { serverSelectionTimeoutMS: 500 });
  const url = await ops(standardChecks({ temporal, mongo: deadMongo.db('x') }));
  await assertNotReady(await fetch(`${url}/readyz`), 'mongodb');
  await deadMongo.close();
});

test('metrics say when the SDK\'s metrics cannot be read, and warn once per outage', async () => {
  // A real exporter stand-in on loopback: first it answers nothing, then it is gone, then it serves.
  let mode: 'empty' | 'metrics' = 'empty';
  const exporter = createServer((_req, res) => res.end(mode === 'metrics' ? 'temporal_worker_task_slots_available 3\n' : ''));
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  const address = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;
  const warnings: object[] = [];
  const server = await startOpsServer({ port: 0, host: '127.0.0.1', checks: [], sdkMetricsAddress: address, log: { warn: (f) => warnings.push(f), info: () => undefined } });
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  const scrape = async () => (await fetch(url)).text();

  const empty = await scrape();
  assert.match(empty, /^hookflow_worker_sdk_metrics_up 0$/m);
  assert.match(empty, /^# hookflow_worker_sdk_metrics_up 0: .*answered with no metrics/m);
  await scrape();
  assert.equal(warnings.length, 1, 'one warning for the outage, not one per scrape');

  mode = 'metrics';
  const served = await scrape();
  assert.match(served, /^temporal_worker_task_slots_available 3$/m);
  assert.match(served, /^hookflow_worker_sdk_metrics_up 1$/m);

  await new Promise<void>((r) => exporter.close(() => r()));
  const gone = await scrape();
  assert.match(gone, /^hookflow_worker_sdk_metrics_up 0$/m);
  assert.match(gone, /did not answer/);
  assert.equal(warnings.length, 2, 'a new outage warns again');
});
