// With Temporal unreachable the ingress answers 503 + Retry-After, so the provider retries later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApp } from '../../server/app';
import { createRunStarter } from '../../server/start-runs';
import { loadDefinitions } from '../../lib/loader/definitions';
import { freePort } from '../../devstack/process';
import { ROOT, TEST_SECRET } from '../helpers/stack';
import { paymentSucceeded, postEvent } from '../helpers/events';

test('503 with Retry-After when Temporal cannot take the event', async () => {
  const deadPort = await freePort(); // nothing listens here
  const connection = Connection.lazy({ address: `127.0.0.1:${deadPort}` });
  const client = new Client({ connection });
  const definitions = loadDefinitions(
    { flowsDir: join(ROOT, 'flows'), sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') },
    { PAYMENTS_WEBHOOK_SECRET: TEST_SECRET },
  );
  const log = pino({ level: 'silent' });
  const app = createApp({ getDefinitions: () => definitions, startRuns: createRunStarter(client, 'q', log), log });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const res = await postEvent(url, paymentSucceeded({ orderId: 'o1', items: [{ sku: 's', quantity: 1 }] }));
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'unavailable');
    assert.ok(Number(res.headers.get('retry-after')) > 0, 'Retry-After is set');
  } finally {
    server.close();
    await connection.close().catch(() => undefined);
  }
});
