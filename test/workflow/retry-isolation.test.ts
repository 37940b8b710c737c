// One bad event never stalls the others (issue 25): runs whose local step retries a poisoned
// event (an update of an order that does not exist) back off through durable timers, so they
// hold no workflow-task slot while they wait. On a worker with only 2 workflow-task slots and 3
// such runs retrying, an ordinary run completes, no workflow task runs past its deadline, and the
// poisoned runs are still retrying. Before the fix their backoff was waited out inside the
// workflow task (heartbeated past its deadline every 8 s) and the ordinary run waited for a slot.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { NativeConnection, type Worker } from '@temporalio/worker';
import pino from 'pino';
import { FLOW_WORKFLOW_TYPE, type FlowRunInput } from '../../engine/contract';
import type { FlowDefinition, StepDefinition } from '../../engine/types';
import { createMailer, type Mailer } from '../../activities/mailer';
import { createWorker } from '../../worker/create-worker';
import { flowWorkflowBundle } from '../../worker/workflow-bundle';
import { startTestStack, workflowTasksOverDeadline, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

const TASK_QUEUE = `isolation-${Date.now()}`;
const SLOTS = 2;
const POISONED = 3;

let stack: TestStack;
let connection: NativeConnection;
let mail: Mailer;
let worker: Worker;
let running: Promise<void>;
/** Terminated before the worker shuts down: a worker waits for local steps still retrying in it. */
const poisoned: Awaited<ReturnType<typeof start>>[] = [];

before(async () => {
  stack = await startTestStack({ payloads: false }); // its own worker (below) reads plain payloads
  connection = await NativeConnection.connect({ address: stack.services.temporalAddress });
  mail = createMailer(stack.services.smtpUrl);
  // A worker as worker/run-worker.ts builds it, with fewer workflow-task slots than poisoned runs.
  worker = await createWorker({
    connection, namespace: 'default', taskQueue: TASK_QUEUE, workflowBundle: (await flowWorkflowBundle()).bundle,
    db: stack.db, mail, log: pino({ level: 'silent' }), mailFrom: 'hookflow-test <test@localhost>',
    maxConcurrentWorkflowTasks: SLOTS,
  });
  running = worker.run();
});
after(async () => {
  await Promise.all(poisoned.map((h) => h.terminate('test done').catch(() => undefined)));
  worker?.shutdown();
  await running;
  await connection?.close();
  mail?.close();
  await stack?.stop();
});

function start(name: string, steps: StepDefinition[]) {
  const flow: FlowDefinition = { name, version: 'test', trigger: { source: 'payments', events: ['x'] }, steps };
  const input: FlowRunInput = { flow, event: { id: uid('evt'), type: 'x', source: 'payments', receivedAt: new Date().toISOString(), body: {} } };
  return stack.client.workflow.start(FLOW_WORKFLOW_TYPE, { taskQueue: TASK_QUEUE, workflowId: uid(name), args: [input] });
}

/** Failed attempts of a local step whose next attempt waits on a durable timer (marker, then timer). */
async function timerBackedRetries(handle: Awaited<ReturnType<typeof start>>): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.filter((e, i) => e.markerRecordedEventAttributes?.failure && events.slice(i + 1).some((n) => n.timerStartedEventAttributes)).length;
}

test('runs retrying a poisoned event hold no workflow-task slot: an ordinary run completes meanwhile', async () => {
  const before = workflowTasksOverDeadline();
  const stalled = (err: Error) => { throw new Error(`${err.message}; workflow tasks over their deadline meanwhile: ${workflowTasksOverDeadline() - before}`); };
  // Backoffs 1, 2, 4, 4, … s: 7 s of waiting within the first four attempts, past the 5 s over
  // which a workflow task counts as over its deadline, had they been waited out in the task.
  poisoned.push(...await Promise.all(Array.from({ length: POISONED }, () => start('poisoned', [{
    id: 'mark-paid', uses: 'mongo.updateOne',
    with: { collection: 'orders', filter: { _id: uid('ord_missing') }, update: { $set: { status: 'paid' } } },
    retry: { maximumAttempts: 100, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '4s' },
  }]))));
  await waitFor('the worker to take a poisoned run', async () => {
    const histories = await Promise.all(poisoned.map((h) => h.fetchHistory()));
    return histories.some((h) => h.events?.some((e) => e.workflowTaskStartedEventAttributes));
  }, { attempts: 300 });

  const collection = uid('normal');
  const normal = await start('normal', [{ id: 'note', uses: 'mongo.insertOne', with: { collection, document: { _id: 'done' } } }]);
  await waitFor('the ordinary run to complete beside them', async () => (await normal.describe()).status.name === 'COMPLETED', { attempts: 600 }).catch(stalled);
  assert.ok(await stack.db.collection<{ _id: string }>(collection).findOne({ _id: 'done' }), 'the ordinary run applied its step');

  const retries = await waitFor('each poisoned run to retry 4 times through timers (1+2+4 s of backoff behind it)', async () => {
    const counts = await Promise.all(poisoned.map(timerBackedRetries));
    return counts.every((n) => n >= 4) && counts;
  }, { attempts: 600 }).catch(stalled);
  const statuses = await Promise.all(poisoned.map(async (h) => (await h.describe()).status.name));
  assert.deepEqual(statuses, Array(POISONED).fill('RUNNING'), `the poisoned runs are still retrying (${retries.join(', ')} timer-backed retries)`);
  assert.equal(workflowTasksOverDeadline() - before, 0, 'no workflow task ran past its deadline');
});
