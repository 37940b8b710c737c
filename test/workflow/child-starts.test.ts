// What the UI shows of a queue workflow's child runs (summary, memo, search attributes, input,
// policies) is not checked by replay: a history replays even when those change. Here every child
// start recorded by the entity queue, the gate and the collector (test/fixtures/histories) is
// checked twice: against what the UI must show of that run, written out from the run's own facts
// (its flow, event and parent), and against what eventRunOptions gives today for the same run.
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

/** Why the run waited, from its parent's input (a debounce's count is only known to the parent's signals: read from its memo). */
function ownPart(type: string, parent: Record<string, any>, input: Record<string, any>, memo: Record<string, any>): Pick<EventRun, 'why' | 'memo' | 'entityKey'> {
  if (type === ENTITY_WORKFLOW_TYPE) return { why: `entity ${parent.key}`, entityKey: parent.key };
  if (type === GATED_WORKFLOW_TYPE) return { why: `through the gate${parent.key ? ` of key ${parent.key}` : ''}`, memo: { gate: memo.gate } };
  const events = parent.control === 'batch' ? input.events.length : memo.debounce?.events;
  const what = parent.control === 'batch' ? `batch of ${events}` : `last of ${events} (debounced)`;
  return { why: `${what}, key ${parent.key}`, memo: { [parent.control]: { key: parent.key, events } } };
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
      const { flow, event } = input;
      const where = `${file} ${a.workflowId}`;
      const own = ownPart(type, parent, input, memo);

      // What the UI must show of this run, from its own facts.
      assert.equal(flow.name, parent.flow, `${where}: the child runs its parent's flow`);
      assert.equal(event.source, parent.source, `${where}: an event of its parent's source`);
      assert.equal(a.workflowId, [flow.name, event.source, ...(type === ENTITY_WORKFLOW_TYPE ? [parent.key] : []), event.id].join(':'), `${where}: the run's id names its event`);
      assert.equal(decoded(e.userMetadata.summary), `${flow.name} ← ${event.type} ${event.id} (${event.source}), ${own.why}`, where);
      assert.deepEqual(memo.event, { id: event.id, type: event.type, source: event.source, receivedAt: event.receivedAt }, where);
      assert.equal(memo.flowVersion, flow.version, where);
      if (type === GATED_WORKFLOW_TYPE) assert.ok(String(memo.gate).startsWith(`${parent.flow}/gate`), `${where}: memo names the gate, got ${memo.gate}`);
      if (type === COLLECT_WORKFLOW_TYPE) assert.ok(memo[parent.control].events >= (input.events?.length ?? 1), `${where}: the held count covers the run's events`);
      if (type === COLLECT_WORKFLOW_TYPE) assert.deepEqual(memo[parent.control], (own.memo as Record<string, unknown>)[parent.control], where);
      assert.deepEqual(decodedFields(a.searchAttributes.indexedFields), {
        HookflowFlow: flow.name,
        HookflowFlowVersion: flow.version,
        HookflowSource: event.source,
        HookflowEventType: event.type,
        HookflowEventId: event.id,
        ...(type === ENTITY_WORKFLOW_TYPE && { HookflowEntityKey: parent.key }),
      }, where);
      assert.deepEqual([a.workflowIdReusePolicy, a.parentClosePolicy], ['WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE', 'PARENT_CLOSE_POLICY_ABANDON'], where);

      // What today's code would start for the same run: the same.
      const options = eventRunOptions({ flow, event, events: input.events, workflowId: a.workflowId, ...own });
      assert.equal(options.staticSummary, decoded(e.userMetadata.summary), where);
      assert.deepEqual(options.memo, memo, where);
      const searchAttributes = Object.fromEntries((options.typedSearchAttributes as SearchAttributePair[]).map((p) => [p.key.name, p.value]));
      assert.deepEqual(searchAttributes, decodedFields(a.searchAttributes.indexedFields), where);
      assert.deepEqual([options.workflowIdReusePolicy, options.parentClosePolicy], ['REJECT_DUPLICATE', 'ABANDON'], where);
      starts.push(type);
    }
  }
  // Each of the three queue workflows has recorded child starts to compare.
  assert.deepEqual([...new Set(starts)].sort(), [COLLECT_WORKFLOW_TYPE, ENTITY_WORKFLOW_TYPE, GATED_WORKFLOW_TYPE].sort());
});
