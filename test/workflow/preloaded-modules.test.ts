// The worker preloads the pure expression modules (worker/create-worker.ts,
// PRELOADED_WORKFLOW_MODULES): one instance per worker thread, shared by every run, instead of one
// per run. What that must mean: a run finds the expressions earlier runs compiled, and the
// shared (deep-frozen) modules still give every run the same answers, JSONata and errors included.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { PRELOADED_WORKFLOW_MODULES } from '../../worker/create-worker';
import { startTestStack, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';
import type { SharedModulesProbe } from '../fixtures/workflows/shared-modules';

let stack: TestStack;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uid('preloaded');

before(async () => {
  stack = await startTestStack({ worker: false, payloads: false }); // its own worker reads plain payloads
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../fixtures/workflows/shared-modules'),
    preloadModules: PRELOADED_WORKFLOW_MODULES,
    logger: new DefaultLogger('WARN'),
  });
  connection = await NativeConnection.connect({ address: stack.services.temporalAddress });
  worker = await Worker.create({ connection, taskQueue, workflowBundle, maxCachedWorkflows: 0 });
  running = worker.run();
});

after(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await stack?.stop();
});

const probe = (source: string, scope: Record<string, unknown>) =>
  stack.client.workflow.execute('probeSharedModules', { taskQueue, workflowId: uid('probe'), args: [source, scope] }) as Promise<SharedModulesProbe>;

test('a run finds the expressions earlier runs compiled, and every run gets the same answers', async () => {
  const scope = { order: { id: 'o-1', total: 12 }, items: [1, 2, 3] };
  const first = await probe('order.id', scope);
  const second = await probe('order.total', scope);
  const again = await probe('order.id', { ...scope, order: { id: 'o-2' } });

  assert.equal(first.compiledAfter, first.compiledBefore + 1);
  // Shared: the second run starts with the first run's cache (per-run modules would start empty).
  assert.equal(second.compiledBefore, first.compiledAtEnd);
  assert.equal(second.compiledAfter, second.compiledBefore + 1);
  assert.equal(again.compiledBefore, second.compiledAtEnd);
  assert.equal(again.compiledAtEnd, again.compiledBefore, 'expressions compiled by earlier runs are not compiled again');

  assert.deepEqual([first.fast, second.fast, again.fast], ['o-1', 12, 'o-2']);
  assert.deepEqual(first.rendered, { text: 'value o-1', sum: 6 });
  assert.deepEqual(again.rendered, { text: 'value o-2', sum: 6 });
  for (const p of [first, second, again]) {
    assert.equal(p.viaJsonata, 6);
    assert.equal(p.error, 'true:ExpressionError');
  }
});
