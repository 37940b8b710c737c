// What the UI shows of a queue workflow's child runs (summary, memo, search attributes, input,
// policies) is not checked by replay: a history replays even when those change. Here every child
// start recorded by the entity queue, the gate and the collector (test/fixtures/histories) is
// compared with what eventRunOptions gives for the same event, flow and parent input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchAttributePair } from '@temporalio/common';
import { COLLECT_WORKFLOW_TYPE } from '../../engine/collect-contract';
import { ENTITY_WORKFLOW_TYPE } from '../../engine/contract';
import { GATED_WORKFLOW_TYPE } from '../../engine/controls';
import { eventRunOptions, type EventRun } from '../../workflows/event-run';
import { ROOT } from '../helpers/paths';

const DIR = join(ROOT, 'test/fixtures/histories');
type Payload = { data: string };
const decoded = (p: Payload) => JSON.parse(Buffer.from(p.data, 'base64').toString('utf8'));
const decodedFields = (fields: Record<string, Payload>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, decoded(v)]));

/** How the recorded parent described the run (the part of the summary and memo that is its own). */
function ownPart(type: string, parent: Record<string, any>, memo: Record<string, any>): Pick<EventRun, 'why' | 'memo' | 'entityKey'> {
  if (type === ENTITY_WORKFLOW_TYPE) return { why: `entity ${parent.key}`, entityKey: parent.key };
  if (type === GATED_WORKFLOW_TYPE) return { why: `through the gate${parent.key ? ` of key ${parent.key}` : ''}`, memo: { gate: memo.gate } };
  const held = memo[parent.control];
  const what = parent.control === 'batch' ? `batch of ${held.events}` : `last of ${held.events} (debounced)`;
  return { why: `${what}, key ${parent.key}`, memo: { [parent.control]: held } };
}

test('child runs of the entity queue, the gate and the collector start as recorded', () => {
  const starts: string[] = [];
  for (const file of readdirSync(DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).sort()) {
    const { events } = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { events: Record<string, any>[] };
    const started = events[0].workflowExecutionStartedEventAttributes;
    const type: string = started.workflowType.name;
    if (![ENTITY_WORKFLOW_TYPE, GATED_WORKFLOW_TYPE, COLLECT_WORKFLOW_TYPE].includes(type)) continue;
    const parent = decoded(started.input.payloads[0]);
    for (const e of events.filter((x) => x.eventType === 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED')) {
      const a = e.startChildWorkflowExecutionInitiatedEventAttributes;
      const input = decoded(a.input.payloads[0]);
      const memo = decodedFields(a.memo.fields);
      const options = eventRunOptions({ flow: input.flow, event: input.event, events: input.events, workflowId: a.workflowId, ...ownPart(type, parent, memo) });
      const where = `${file} ${a.workflowId}`;
      assert.equal(options.staticSummary, decoded(e.userMetadata.summary), where);
      assert.deepEqual(options.memo, memo, where);
      assert.deepEqual(options.args, [input], where);
      const searchAttributes = Object.fromEntries((options.typedSearchAttributes as SearchAttributePair[]).map((p) => [p.key.name, p.value]));
      assert.deepEqual(searchAttributes, decodedFields(a.searchAttributes.indexedFields), where);
      assert.deepEqual([options.workflowIdReusePolicy, options.parentClosePolicy], ['REJECT_DUPLICATE', 'ABANDON'], where);
      assert.deepEqual([a.workflowIdReusePolicy, a.parentClosePolicy], ['WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE', 'PARENT_CLOSE_POLICY_ABANDON'], where);
      starts.push(type);
    }
  }
  // Each of the three queue workflows has recorded child starts to compare.
  assert.deepEqual([...new Set(starts)].sort(), [COLLECT_WORKFLOW_TYPE, ENTITY_WORKFLOW_TYPE, GATED_WORKFLOW_TYPE].sort());
});
