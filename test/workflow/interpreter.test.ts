// The flow interpreter on a real worker against the Temporal dev server: flow definitions are
// passed in directly (no HTTP), and the run's result and history are inspected.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { FLOW_WORKFLOW_TYPE, type FlowRunInput, type FlowRunResult } from '../../engine/contract';
import type { FlowDefinition, StepDefinition } from '../../engine/types';
import { startTestStack, TEST_TASK_QUEUE, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';
import { plainHistory } from '../helpers/plain-history';

let stack: TestStack;
before(async () => { stack = await startTestStack(); });
after(async () => { await stack?.stop(); });

function flow(steps: StepDefinition[]): FlowDefinition {
  return { name: 'wf-test', version: 'test', trigger: { source: 'payments', events: ['x'] }, steps };
}

async function run(definition: FlowDefinition, body: unknown) {
  const input: FlowRunInput = { flow: definition, event: { id: uid('evt'), type: 'x', source: 'payments', receivedAt: new Date().toISOString(), body } };
  const workflowId = uid('wf');
  const handle = await stack.client.workflow.start(FLOW_WORKFLOW_TYPE, { taskQueue: TEST_TASK_QUEUE, workflowId, args: [input] });
  return { handle, result: handle.result() as Promise<FlowRunResult> };
}

test('if skips a step; forEach runs per element and keeps outputs in element order', async () => {
  const collection = uid('items');
  const { result, handle } = await run(
    flow([
      { id: 'never', uses: 'log', if: 'event.body.amount > 1000', with: { message: 'big' } },
      {
        id: 'insert-each', uses: 'mongo.insertOne', forEach: 'event.body.items', as: 'it', concurrency: 2,
        with: { collection, document: { _id: '{{ it.name }}', position: '{{ index }}', doubled: '{{ it.n * 2 }}' } },
      },
    ]),
    { amount: 10, items: [{ name: 'a', n: 1 }, { name: 'b', n: 2 }, { name: 'c', n: 3 }] },
  );
  const r = await result;
  assert.equal(r.steps.never.status, 'skipped');
  const outputs = r.steps['insert-each'].output as { upsertedId: string }[];
  assert.deepEqual(outputs.map((o) => o.upsertedId), ['a', 'b', 'c']);
  const docs = await stack.db.collection(collection).find().sort({ _id: 1 }).toArray();
  assert.deepEqual(docs.map((d) => [d._id, d.position, d.doubled]), [['a', 0, 2], ['b', 1, 4], ['c', 2, 6]]);

  // Each activity carries its step label as its summary, as shown in the Temporal UI (local ones on their marker).
  const history = plainHistory(await handle.fetchHistory());
  const summaries = (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
    .map((e) => e.userMetadata?.summary?.data && Buffer.from(e.userMetadata.summary.data).toString());
  assert.deepEqual(summaries.map((s) => s && JSON.parse(s)).sort(), ['insert-each[0]', 'insert-each[1]', 'insert-each[2]']);
});

test('a failing expression fails the run at once with the step and expression named', async () => {
  const { result } = await run(flow([{ id: 'bad', uses: 'log', with: { message: '{{ $number("not a number") }}' } }]), {});
  await assert.rejects(result, (err: unknown) => {
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(String(err.cause?.message), /step bad: expression/);
    return true;
  });
});

test('an activity with bad arguments fails without retrying', async () => {
  const { result, handle } = await run(flow([{ id: 'mail', uses: 'email.send', with: { to: 'not-an-address', subject: 's', text: 't' } }]), {});
  await assert.rejects(result, WorkflowFailedError);
  const history = await handle.fetchHistory();
  const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
  assert.equal(started.length, 1);
  assert.equal(started[0].activityTaskStartedEventAttributes?.attempt, 1);
});

test('a run whose local step fails names the step and its activity in its failure', async () => {
  const { result, handle } = await run(flow([
    { id: 'mark-paid', uses: 'mongo.updateOne', with: { collection: uid('orders'), filter: { _id: 'missing' }, update: { $set: { status: 'paid' } } }, retry: { maximumAttempts: 1 } },
  ]), {});
  await assert.rejects(result, (err: unknown) => {
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(String(err.cause?.message), /^step mark-paid \(mongo\.updateOne\): mongo\.updateOne: no document/);
    assert.equal((err.cause as { type?: string }).type, 'DocumentNotFound');
    return true;
  });
  const events = (await handle.fetchHistory()).events ?? [];
  assert.ok(!events.some((e) => e.activityTaskScheduledEventAttributes), 'the step ran as a local activity: no scheduled event names it');
});
