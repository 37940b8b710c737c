// STACK_PORTS is the list tests move every `npm start` port from: a default missing from it would
// put a test stack on a developer's port. The config's own defaults must be the ones listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../lib/config';
import { STACK_PORTS } from '../../lib/dev-defaults';
import { freeStackPorts } from '../helpers/stack-ports';

test("the config's listener defaults are the ones STACK_PORTS lists", () => {
  const c = loadConfig({});
  assert.deepEqual([c.ingressPort, c.workerOpsPort, c.adminPort], [STACK_PORTS.PORT, STACK_PORTS.WORKER_OPS_PORT, STACK_PORTS.ADMIN_PORT]);
});

test('a test stack gets a free port for every variable, none of them a default', async () => {
  const ports = await freeStackPorts();
  assert.deepEqual(Object.keys(ports).sort(), Object.keys(STACK_PORTS).sort());
  const defaults = new Set<number>(Object.values(STACK_PORTS));
  for (const [name, port] of Object.entries(ports)) assert.ok(!defaults.has(port), `${name} got a default port ${port}`);
});
