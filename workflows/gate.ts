// The gate of a flow with concurrency or throttle: one workflow per (flow, source, key value), fed
// by signal-with-start. Events wait in arrival order; each starts as a child run (its own workflow
// id, the one it would have without the gate) once a slot is free (concurrency) and its start
// time has come (throttle, a durable timer). The gate applies the limits of the newest definition
// it received; each event runs with its own. It ends when nothing waits or runs and the throttle
// is rested (the next event starts it again), and continues as new after a bounded number of
// starts: it lets its runs in flight finish first, so the next run knows nothing is running, and
// looks at its queue again after that drain (signals kept arriving): what it carries stays within
// its bound, whatever came meanwhile.
// Deterministic: only @temporalio/workflow, pure helpers and types.
import {
  allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, metricMeter, patched,
  setCurrentDetails, setHandler, sleep, startChild, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import { Backlog } from '../engine/backlog';
import { byReference, fromReference } from '../engine/carried-flows';
import { EVENT_SIGNAL, FLOW_WORKFLOW_TYPE, searchAttributes, type EventDelivery } from '../engine/contract';
import {
  GATE_QUERY, gateControlsOf, holdingControl, nextStartAfter, throttleWaitMs,
  type GateControls, type GateRunInput, type GateRunResult, type GateState, type GateStatus,
} from '../engine/controls';
import { alreadyRan, eventRunOptions, noteFailedRun } from './event-run';
import { SeenEvents } from './seen-events';

const eventSignal = defineSignal<[EventDelivery]>(EVENT_SIGNAL);
const gateQuery = defineQuery<GateState>(GATE_QUERY);
const DEFAULT_MAX_STARTS = 200;
const DEFAULT_MAX_CARRIED_BYTES = 512 * 1024;
/**
 * Gates with this marker look at their queue again after the drain before continue-as-new: a
 * burst signalled while the runs in flight finished no longer carries past the bound (nor past
 * Temporal's 2 MB payload limit, where continue-as-new failed on every task). Asked only when the
 * queue grew past the bound during the drain, so other runs record no marker; a run recorded
 * without it continues as new as it did.
 */
export const GATE_RECHECK_PATCH = 'hookflow-gate-recheck-after-drain';
/** Event ids carried across continue-as-new to drop duplicate signals. */
const SEEN_KEPT = 500;
/** Metric names as written (the exporter adds its prefix and suffixes, see run-metrics.ts). */
export const GATE_METRICS = { queued: 'hookflow_gate_queued' } as const;

export async function runGatedFlow(input: GateRunInput): Promise<GateRunResult> {
  const carriedFlows = input.flows ?? {};
  const queue = new Backlog((input.queue ?? []).map((q) => fromReference(q, carriedFlows, 'gate input')));
  const seen = new SeenEvents(input.seen, SEEN_KEPT);
  let controls: GateControls = input.controls ?? {};
  let nextStartAt = input.nextStartAt ?? 0;
  let running = 0;
  let started = 0;
  const failed: string[] = [];
  let status: GateStatus | undefined;
  const queuedCounter = metricMeter.createCounter(GATE_METRICS.queued, 'events', 'Events that could not start on arrival and waited in a gate, by flow and the control that held them.');

  setHandler(eventSignal, (delivery) => {
    if (!seen.firstTime(delivery.event.id)) return;
    controls = gateControlsOf(delivery.flow);
    const held = holdingControl(controls, { running, ahead: queue.length, nextStartAt, now: Date.now() });
    if (held) queuedCounter.add(1, { flow: input.flow, control: held });
    queue.push(delivery);
  });
  setHandler(gateQuery, () => ({ key: input.key, status: status ?? 'idle', waiting: queue.length, running, started, controls }));

  const show = (next: GateStatus) => {
    setCurrentDetails(`${queue.length} waiting, ${running} running${controls.concurrency ? ` (limit ${controls.concurrency})` : ''}, ${started} started by this run`);
    if (next === status) return;
    status = next;
    upsertSearchAttributes([{ key: searchAttributes.outcome, value: next }]);
  };

  const startNext = () => {
    const delivery = queue.shift();
    nextStartAt = nextStartAfter(controls, nextStartAt, Date.now());
    running++;
    started++;
    void runOne(input, delivery).then((ok) => { if (!ok) failed.push(delivery.event.id); }).finally(() => { running--; });
  };

  for (;;) {
    if (!queue.length) {
      // Rest the throttle before ending, so a gate started again by the next event cannot start early.
      const restMs = throttleWaitMs(controls, nextStartAt, Date.now(), controls.throttle ? controls.throttle.burst - 1 : 0);
      if (running === 0 && restMs === 0) break;
      show('idle');
      const before = running;
      const woken = () => queue.length > 0 || running !== before;
      await (running === 0 ? condition(woken, restMs) : condition(woken));
      continue;
    }
    const due = started >= (input.maxStartsPerRun ?? DEFAULT_MAX_STARTS) || workflowInfo().continueAsNewSuggested;
    const fits = () => queue.bytes <= (input.maxCarriedBytes ?? DEFAULT_MAX_CARRIED_BYTES);
    if (due && fits()) {
      show('draining');
      await condition(() => running === 0);
      await condition(allHandlersFinished);
      // Events signalled during the drain: past the bound, start them here until the rest fits.
      if (!fits() && patched(GATE_RECHECK_PATCH)) continue;
      return continueAsNew<typeof runGatedFlow>({ ...input, ...byReference(queue.deliveries()), seen: seen.carried(), controls, nextStartAt });
    }
    // Too much to carry: the queue keeps draining in this run, and looks again after each start.
    if (controls.concurrency !== undefined && running >= controls.concurrency) {
      show('queued');
      await condition(() => running < (controls.concurrency ?? Infinity));
      continue;
    }
    const waitMs = throttleWaitMs(controls, nextStartAt, Date.now());
    if (waitMs > 0) {
      show('throttled');
      await sleep(waitMs);
      continue;
    }
    startNext();
  }
  show('idle');
  return { started, failed };
}

/** Starts one event's run as a child and waits for it to end; false when the run failed. */
async function runOne(input: GateRunInput, { event, flow, workflowId }: EventDelivery): Promise<boolean> {
  const childId = workflowId ?? `${flow.name}:${event.source}:${event.id}`;
  const why = `through the gate${input.key ? ` of key ${input.key}` : ''}`;
  try {
    const child = await startChild(FLOW_WORKFLOW_TYPE, eventRunOptions({ flow, event, workflowId: childId, why, memo: { gate: workflowInfo().workflowId } }));
    await child.result();
    return true;
  } catch (err) {
    if (alreadyRan(err, event.id, childId)) return true;
    noteFailedRun(err, event.id, childId, 'the gate goes on');
    return false;
  }
}
