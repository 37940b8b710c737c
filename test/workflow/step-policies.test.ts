// Per-step retry and timeout, the flow's own non-retryable error types, and compensations when a
// run is cancelled: on a real worker against the Temporal dev server and a loopback API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { FLOW_WORKFLOW_TYPE, type FlowRunInput, type FlowRunResult } from '../../engine/contract';
import type { FlowDefinition, StepDefinition } from '../../engine/types';
import { startTestStack, TEST_TASK_QUEUE, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';
import { startFakeApi, type FakeApi } from '../helpers/fake-api';
import { waitFor } from '../helpers/wait-for';

let stack: TestStack;
let api: FakeApi;
before(async () => {
  api = await startFakeApi();
  stack = await startTestStack();
});
after(async () => {
  await stack?.stop();
  await api?.close();
});

function start(steps: StepDefinition[]) {
  const flow: FlowDefinition = { name: 'policies', version: 'test', trigger: { source: 'payments', events: ['x'] }, steps };
  const input: FlowRunInput = { flow, event: { id: uid('evt'), type: 'x', source: 'payments', receivedAt: new Date().toISOString(), body: {} } };
  return stack.client.workflow.start(FLOW_WORKFLOW_TYPE, { taskQueue: TEST_TASK_QUEUE, workflowId: uid('wf'), args: [input] });
}

async function startedAttempts(handle: Awaited<ReturnType<typeof start>>): Promise<number[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt!);
}

test('an attempt that exceeds the step timeout is retried; every attempt sends the same Idempotency-Key', async () => {
  const path = `/${uid('slow')}`;
  let calls = 0;
  api.handler = (r) => (r.path === path ? (++calls === 1 ? { status: 200, delayMs: 3000 } : { status: 200, body: { ok: true } }) : { status: 404 });
  const handle = await start([{ id: 'call', uses: 'http.request', with: { url: `${api.url}${path}` }, timeout: '1s', retry: { maximumAttempts: 3, initialInterval: '100ms' } }]);
  const result = (await handle.result()) as FlowRunResult;
  assert.deepEqual((result.steps.call.output as { body: unknown }).body, { ok: true });
  assert.deepEqual(await startedAttempts(handle), [2], 'the completed attempt is the second');
  const keys = api.requests.filter((r) => r.path === path).map((r) => r.headers['idempotency-key']);
  assert.equal(keys.length, 2);
  assert.equal(new Set(keys).size, 1);
});

test('the flow can make an otherwise retryable error type final', async () => {
  const path = `/${uid('down')}`;
  api.handler = () => ({ status: 503 });
  const handle = await start([{ id: 'call', uses: 'http.request', with: { url: `${api.url}${path}` }, retry: { maximumAttempts: 5, initialInterval: '100ms', nonRetryableErrorTypes: ['HttpRetryableStatus'] } }]);
  await assert.rejects(handle.result(), WorkflowFailedError);
  assert.deepEqual(await startedAttempts(handle), [1]);
  assert.equal(api.requests.filter((r) => r.path === path).length, 1);
});

test('cancelling a run that waits in a delay still runs the compensations of completed steps', async () => {
  const collection = uid('cancel');
  const handle = await start([
    {
      id: 'create', uses: 'mongo.insertOne', with: { collection, document: { _id: 'doc', status: 'created' } },
      compensate: { uses: 'mongo.updateOne', with: { collection, filter: { _id: 'doc' }, update: { $set: { status: 'undone' } } } },
    },
    { id: 'wait', delay: '1h' },
  ]);
  await waitFor('the run to start its delay timer', async () => (await handle.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes));
  await handle.cancel();
  await assert.rejects(handle.result(), WorkflowFailedError);
  const doc = await stack.db.collection<{ _id: string; status: string }>(collection).findOne({ _id: 'doc' });
  assert.equal(doc?.status, 'undone');
  assert.equal((await handle.describe()).status.name, 'CANCELLED');
});
