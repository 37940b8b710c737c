// A debounced or batched flow's collector: one workflow per flow, source, control and key, fed by
// signal-with-start. It holds events on durable timers and starts the real run as a child:
// - debounce: the burst's last event, once `period` passed without another (or `timeout` after
//   the first); the others are recorded as debounced by that run;
// - batch: up to maxSize events (or what came within `timeout` of the first), `event` being the
//   first; the others are recorded as batched by that run.
// The run's workflow id is the id its event would have had without the control. The collector
// ends when nothing waits (the next event starts it again) and continues as new after a bounded
// number of events, carrying only what waits (each definition once) and recent event ids.
// Deterministic: only @temporalio/workflow, pure flow helpers and types.
import {
  allHandlersFinished, condition, continueAsNew, defineSignal, patched, proxyActivities,
  setHandler, startChild, workflowInfo,
} from '@temporalio/workflow';
import { definitionsOf } from '../engine/carried-flows';
import { EVENT_SIGNAL, FLOW_WORKFLOW_TYPE, type EventDelivery } from '../engine/contract';
import {
  ABSORBED_AS, RECORD_ABSORBED_ACTIVITY,
  type AbsorbedEvents, type CollectRunInput, type CollectRunResult, type CollectedEvent,
} from '../engine/collect-contract';
import { checkedDurationMs } from '../engine/duration';
import type { FlowDefinition, FlowEvent } from '../engine/types';
import { alreadyRan, eventRunOptions } from './event-run';
import { SeenEvents } from './seen-events';

const eventSignal = defineSignal<[EventDelivery]>(EVENT_SIGNAL);
const DEFAULT_MAX_EVENTS = 1000;
/** A debounce burst runs after this many events even if they keep coming within the period. */
export const MAX_DEBOUNCED = 1000;
/** A batch runs once its events reach this size (JSON), well under Temporal's payload limit. */
export const MAX_BATCH_BYTES = 1024 * 1024;
/** Event ids carried across continue-as-new to drop duplicate signals. */
const SEEN_KEPT = 1000;

const { [RECORD_ABSORBED_ACTIVITY]: recordAbsorbed } = proxyActivities<Record<string, (a: AbsorbedEvents) => Promise<void>>>({
  startToCloseTimeout: '30s',
  summary: 'record absorbed events',
});

type Due = 'now' | 'continue';

/** Debounce keeps the event received last, whatever order the signals come in. */
export const DEBOUNCE_NEWEST_RECEIVED_PATCH = 'hookflow-debounce-newest-received';

export async function runCollector(input: CollectRunInput): Promise<CollectRunResult> {
  const flows: Record<string, FlowDefinition> = { ...input.flows };
  const waiting: CollectedEvent[] = [...(input.waiting ?? [])];
  let superseded = [...(input.superseded ?? [])];
  let burstStartedAt = input.burstStartedAt ?? 0;
  const seen = new SeenEvents(input.seen, SEEN_KEPT);
  const sizeOf = (e: CollectedEvent) => JSON.stringify(e.event).length;
  let waitingBytes = waiting.reduce((sum, e) => sum + sizeOf(e), 0);
  let received = 0;
  const result: CollectRunResult = { runs: [], absorbed: 0 };

  setHandler(eventSignal, ({ event, flow, workflowId }) => {
    if (!seen.firstTime(event.id)) return;
    flows[flow.version] = flow;
    received++;
    const item: CollectedEvent = { event, flowVersion: flow.version, workflowId: workflowId ?? `${workflowInfo().workflowId}:${event.id}`, arrivedAt: Date.now() };
    if (input.control === 'debounce') {
      // After an outage the relay may hand a burst over out of order: the event received last
      // keeps waiting, one received before it is superseded on arrival (the quiet period restarts).
      if (waiting.length && Date.parse(event.receivedAt) < Date.parse(waiting[0].event.receivedAt) && patched(DEBOUNCE_NEWEST_RECEIVED_PATCH)) {
        superseded.push(event.id);
        waiting[0] = { ...waiting[0], arrivedAt: item.arrivedAt };
        return;
      }
      // Only the last event of a burst runs: the one waiting so far is superseded.
      if (waiting.length) superseded.push(...waiting.splice(0).map((e) => e.event.id));
      else if (!superseded.length) burstStartedAt = item.arrivedAt;
      waitingBytes = 0;
    }
    waiting.push(item);
    waitingBytes += sizeOf(item);
  });

  const newestFlow = () => flows[waiting[waiting.length - 1].flowVersion];
  const mustContinue = () => received >= (input.maxEventsPerRun ?? DEFAULT_MAX_EVENTS) || workflowInfo().continueAsNewSuggested;

  /** Resolves when the burst's last event is due, or when the history should be cut first. */
  async function debounceDue(): Promise<Due> {
    for (;;) {
      const spec = newestFlow().debounce;
      // A flow edit removed the control: what waits runs now rather than being stranded.
      if (!spec) return 'now';
      const now = Date.now();
      const quietLeft = waiting[0].arrivedAt + checkedDurationMs(spec.period) - now;
      const capLeft = spec.timeout ? burstStartedAt + checkedDurationMs(spec.timeout) - now : Infinity;
      const left = Math.min(quietLeft, capLeft);
      if (left <= 0 || superseded.length >= MAX_DEBOUNCED) return 'now';
      if (mustContinue()) return 'continue';
      const before = received;
      await condition(() => received !== before, left);
    }
  }

  /** Resolves when the batch is full or its first event has waited `timeout`. */
  async function batchDue(): Promise<Due> {
    for (;;) {
      const flow = newestFlow();
      if (!flow.batch) return 'now';
      const full = () => waiting.length >= flow.batch!.maxSize || waitingBytes >= MAX_BATCH_BYTES;
      const left = waiting[0].arrivedAt + checkedDurationMs(flow.batch.timeout) - Date.now();
      if (full() || left <= 0) return 'now';
      if (mustContinue()) return 'continue';
      // Wakes when full, or when a newer definition (another maxSize) arrives.
      await condition(() => full() || newestFlow() !== flow, left);
    }
  }

  for (;;) {
    if (!waiting.length) return result;
    const due = input.control === 'debounce' ? await debounceDue() : await batchDue();
    if (due === 'continue') {
      await condition(allHandlersFinished);
      return continueAsNew<typeof runCollector>(carried(input, waiting, flows, superseded, burstStartedAt, seen));
    }
    const taken = input.control === 'debounce' ? waiting.splice(0) : takeBatch(waiting, newestFlow().batch?.maxSize ?? waiting.length, sizeOf);
    waitingBytes = waiting.reduce((sum, e) => sum + sizeOf(e), 0);
    const absorbed = input.control === 'debounce' ? superseded.splice(0) : taken.slice(1).map((e) => e.event.id);
    const runId = await startRun(input, taken, flows[taken[taken.length - 1].flowVersion], absorbed.length);
    result.runs.push(runId);
    if (absorbed.length) {
      await recordAbsorbed({ source: input.source, flow: input.flow, eventIds: absorbed, as: ABSORBED_AS[input.control], by: runId });
      result.absorbed += absorbed.length;
    }
    if (waiting.length && mustContinue()) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof runCollector>(carried(input, waiting, flows, superseded, burstStartedAt, seen));
    }
  }
}

/** The oldest events up to maxSize and MAX_BATCH_BYTES (at least one). */
function takeBatch(waiting: CollectedEvent[], maxSize: number, sizeOf: (e: CollectedEvent) => number): CollectedEvent[] {
  let count = 0;
  let bytes = 0;
  while (count < Math.min(maxSize, waiting.length)) {
    bytes += sizeOf(waiting[count]);
    if (count > 0 && bytes > MAX_BATCH_BYTES) break;
    count++;
  }
  return waiting.splice(0, count);
}

/** Starts the run of the taken events as a child that outlives the collector; returns its workflow id. */
async function startRun(input: CollectRunInput, taken: CollectedEvent[], flow: FlowDefinition, absorbed: number): Promise<string> {
  const { event, workflowId } = taken[0];
  const events: FlowEvent[] | undefined = input.control === 'batch' ? taken.map((e) => e.event) : undefined;
  const what = input.control === 'batch' ? `batch of ${taken.length}` : `last of ${absorbed + 1} (debounced)`;
  const memo = { [input.control]: { key: input.key, events: taken.length + (input.control === 'debounce' ? absorbed : 0) } };
  try {
    await startChild(FLOW_WORKFLOW_TYPE, eventRunOptions({ flow, event, workflowId, why: `${what}, key ${input.key}`, memo, events }));
  } catch (err) {
    if (!alreadyRan(err, event.id, workflowId)) throw err;
  }
  return workflowId;
}

/** The next run's input: what waits, each of its definitions once, recent event ids. */
function carried(input: CollectRunInput, waiting: CollectedEvent[], all: Record<string, FlowDefinition>, superseded: string[], burstStartedAt: number, seen: SeenEvents): CollectRunInput {
  return { ...input, waiting, flows: definitionsOf(waiting, all), superseded, burstStartedAt, seen: seen.carried() };
}
