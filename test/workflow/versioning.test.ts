// A run executes the definition it started with: a run waiting in a delay while the flow file
// is changed (steps added, removed, reordered) finishes the old way; new events run the new way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLOW_WORKFLOW_TYPE, type FlowRunInput, type FlowRunResult } from '../../engine/contract';
import { selectFlows } from '../../engine/select';
import { createDefinitionStore } from '../../definitions/definition-store';
import { loadDefinitions } from '../../definitions/definitions';
import { ROOT, startTestStack, TEST_TASK_QUEUE, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

let stack: TestStack;
const dir = mkdtempSync(join(tmpdir(), 'hookflow-versions-'));
before(async () => { stack = await startTestStack(); });
after(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const collection = uid('marks');
const step = (id: string) => `  - id: ${id}\n    uses: mongo.insertOne\n    with: { collection: ${collection}, document: { _id: "{{ event.id }}:${id}", step: ${id} } }\n`;
const flowFile = (steps: string) => `name: versioned\ntrigger: { source: payments, events: [payment.succeeded] }\nsteps:\n${steps}`;
const V1 = flowFile(`${step('first')}  - id: wait\n    delay: 2s\n${step('second')}${step('third')}`);
// Reordered (third before first), one removed (second), one added (fourth), no delay.
const V2 = flowFile(`${step('third')}${step('first')}${step('fourth')}`);

async function startFor(store: ReturnType<typeof createDefinitionStore>) {
  const event = { id: uid('evt'), type: 'payment.succeeded', source: 'payments', receivedAt: new Date().toISOString(), body: {} };
  const [flow] = await selectFlows(store.current().flows, event);
  const input: FlowRunInput = { flow, event };
  const handle = await stack.client.workflow.start(FLOW_WORKFLOW_TYPE, { taskQueue: TEST_TASK_QUEUE, workflowId: uid('versioned'), args: [input] });
  return { event, handle, version: flow.version };
}

async function marks(eventId: string): Promise<string[]> {
  const docs = await stack.db.collection<{ _id: string; step: string }>(collection).find({ _id: { $regex: `^${eventId}:` } }).toArray();
  return docs.map((d) => d.step).sort();
}

test('a run in flight keeps its definition when the flow file changes; new events use the new one', async () => {
  writeFileSync(join(dir, 'versioned.yaml'), V1);
  const store = createDefinitionStore(
    () => loadDefinitions({ flowsDir: dir, sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') }, { PAYMENTS_WEBHOOK_SECRET: 'x' }),
    { info: () => {}, error: () => {} },
  );
  const old = await startFor(store);
  await waitFor('the old run to sit in its delay (its timer started)', async () => ((await old.handle.fetchHistory()).events ?? []).some((e) => e.timerStartedEventAttributes));
  writeFileSync(join(dir, 'versioned.yaml'), V2);
  assert.equal(store.reload('test'), true);
  const fresh = await startFor(store);
  assert.notEqual(fresh.version, old.version);

  const [oldResult, freshResult] = (await Promise.all([old.handle.result(), fresh.handle.result()])) as FlowRunResult[];
  assert.equal(oldResult.version, old.version);
  assert.deepEqual(Object.keys(oldResult.steps), ['first', 'wait', 'second', 'third']);
  assert.deepEqual(await marks(old.event.id), ['first', 'second', 'third']);
  assert.equal(freshResult.version, fresh.version);
  assert.deepEqual(Object.keys(freshResult.steps), ['third', 'first', 'fourth']);
  assert.deepEqual(await marks(fresh.event.id), ['first', 'fourth', 'third']);
});
