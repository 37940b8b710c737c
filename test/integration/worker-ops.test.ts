// The worker's operations endpoint against real dependencies: alive, ready when Temporal and
// MongoDB answer, not ready (503, saying which) when one does not, and Prometheus metrics.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
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
