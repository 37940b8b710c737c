// hookflow test runs the interpreter in process (flowtests/test-runtime.ts) instead of on Temporal.
// This checks that the in-process run is the run Temporal records: for each recorded history of a
// shipped flow (test/fixtures/histories, runs of the real worker on the dev server), the flow and
// event of its input, run in process with the outcomes the history recorded, make the same calls
// (labels, activities, and arguments where the history holds them) and end the same way. And the
// test runtime starts runs with the settings a new run gets in the worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { executeFlow } from '../../engine/interpreter';
import type { FlowDefinition, FlowEvent } from '../../engine/types';
import { NEW_RUN_SETTINGS, testRuntime } from '../../flowtests/test-runtime';
import type { SimulatedOutcome } from '../../flowtests/test-file';
import { NEW_RUN_PATCH } from '../../workflows/run-flow';
import { ROOT } from '../helpers/paths';

interface JsonPayload { metadata?: { encoding?: string }; data?: string }
type HistoryEvent = Record<string, unknown> & { eventId: string; eventType: string; userMetadata?: { summary?: JsonPayload } };

const decode = (p: JsonPayload | undefined): unknown => {
  if (!p?.data) return null;
  return JSON.parse(Buffer.from(p.data, 'base64').toString());
};
const attrs = (e: HistoryEvent, name: string) => e[`${name}EventAttributes`] as Record<string, any>;

/** The innermost failure's message and type, as describeFailure reads it. */
function innermost(failure: Record<string, any>): { message: string; type?: string } {
  let f = failure;
  while (f.cause) f = f.cause;
  return { message: f.message, type: f.applicationFailureInfo?.type };
}

interface RecordedRun {
  input: { flow: FlowDefinition; event?: FlowEvent };
  signals: FlowEvent[];
  calls: { label: string; uses: string; args?: unknown; outcome: SimulatedOutcome }[];
  failed?: string;
}

function readHistory(file: string): RecordedRun {
  const { events } = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/histories', file), 'utf8')) as { events: HistoryEvent[] };
  const input = decode(attrs(events[0], 'workflowExecutionStarted').input.payloads[0]) as RecordedRun['input'];
  const run: RecordedRun = { input, signals: [], calls: [] };
  const scheduled = new Map<string, RecordedRun['calls'][number]>();
  for (const e of events) {
    const summary = decode(e.userMetadata?.summary) as string | null;
    switch (e.eventType) {
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED':
        run.signals.push((decode(attrs(e, 'workflowExecutionSignaled').input.payloads[0]) as { event: FlowEvent }).event);
        break;
      case 'EVENT_TYPE_MARKER_RECORDED': {
        const a = attrs(e, 'markerRecorded');
        if (a.markerName !== 'core_local_activity') break;
        const data = decode(a.details.data.payloads[0]) as { activity_type: string };
        const outcome = a.failure ? { fail: innermost(a.failure) } : { output: decode(a.details.result?.payloads?.[0]) };
        run.calls.push({ label: summary!, uses: data.activity_type, outcome });
        break;
      }
      case 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED': {
        const a = attrs(e, 'activityTaskScheduled');
        const call = { label: summary!, uses: a.activityType.name, args: (decode(a.input.payloads[0]) as { args: unknown }).args, outcome: {} };
        scheduled.set(e.eventId, call);
        run.calls.push(call);
        break;
      }
      case 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED': {
        const a = attrs(e, 'activityTaskCompleted');
        scheduled.get(a.scheduledEventId)!.outcome = { output: decode(a.result?.payloads?.[0]) };
        break;
      }
      case 'EVENT_TYPE_ACTIVITY_TASK_FAILED': {
        const a = attrs(e, 'activityTaskFailed');
        scheduled.get(a.scheduledEventId)!.outcome = { fail: innermost(a.failure) };
        break;
      }
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED':
        // The innermost cause: older recordings' top-level text predates the failure naming its step.
        run.failed = innermost(attrs(e, 'workflowExecutionFailed').failure).message;
        break;
    }
  }
  return run;
}

const HISTORIES = [
  'github-notify-slack.json', 'order-placed.json', 'order-placed-declined.json', 'payment-pending.json', 'payment-refunded.json',
  'payment-succeeded.json', 'shopify-order-created.json', 'slack-app-mention.json', 'stripe-payment-succeeded.json', 'zapier-catch-hook.json',
  'payment-created.json', 'payment-created-reconciled.json',
];

for (const file of HISTORIES) {
  test(`in process, the run recorded in ${file} makes the same calls and ends the same way`, async () => {
    const recorded = readHistory(file);
    const { flow } = recorded.input;
    // A correlated run's trigger and callbacks come by signal; the others are its callbacks, buffered.
    const event = recorded.input.event ?? recorded.signals.find((s) => flow.trigger.events.includes(s.type))!;
    const callbacks = recorded.signals.filter((s) => s !== event).map((s) => ({ atMs: 0, event: s }));
    const outcomes = Object.fromEntries(recorded.calls.map((c) => [c.label, c.outcome]));
    const { runtime, recording } = testRuntime({ outcomes, callbacks, correlated: flow.correlation !== undefined });
    let failed: string | undefined;
    try {
      await executeFlow({ flow, event }, runtime);
    } catch (err) {
      failed = (err as Error).message;
    }
    assert.ok(recorded.calls.length > 0);
    // Local activities are recorded as they complete, so concurrent ones may be in another order: compare as sets.
    const key = (c: { label: string; uses: string }) => `${c.label} ${c.uses}`;
    assert.deepEqual(recording.calls.map(key).sort(), recorded.calls.map(key).sort());
    for (const c of recorded.calls.filter((c) => c.args !== undefined)) {
      assert.deepEqual(recording.calls.find((r) => r.label === c.label)?.args, c.args, `the arguments of ${c.label}`);
    }
    assert.equal(failed === undefined, recorded.failed === undefined, `in process: ${failed ?? 'completed'}; recorded: ${recorded.failed ?? 'completed'}`);
    if (recorded.failed) assert.ok(failed!.includes(recorded.failed), `${failed} names the recorded cause ${recorded.failed}`);
  });
}

test('the test runtime starts runs with the settings a new run gets in the worker', () => {
  assert.equal(NEW_RUN_SETTINGS.fastExpressions, NEW_RUN_PATCH.fastShapes);
  assert.equal(NEW_RUN_SETTINGS.guards, NEW_RUN_PATCH.guards);
});
