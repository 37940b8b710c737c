// The gate of a flow with concurrency or throttle: one workflow per (flow, source, key value), fed
// by signal-with-start. Events wait in arrival order; each starts as a child run (its own workflow
// id, the one it would have without the gate) once a slot is free (concurrency) and its start
// time has come (throttle, a durable timer). The gate applies the limits of the newest definition
// it received; each event runs with its own. It ends when nothing waits or runs and the throttle
// is rested (the next event starts it again), and continues as new after a bounded number of
// starts: it lets its runs in flight finish first, so the next run knows nothing is running.
// Deterministic: only @temporalio/workflow, pure helpers and types.
import {
  ParentClosePolicy, allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, log,
  metricMeter, setCurrentDetails, setHandler, sleep, startChild, upsertMemo, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  EVENT_SIGNAL, FLOW_WORKFLOW_TYPE, runSearchAttributes, searchAttributes,
  type EventDelivery, type FlowRunInput, type QueuedEvent,
} from '../engine/contract';
import {
  GATE_QUERY, gateControlsOf, holdingControl, nextStartAfter, throttleWaitMs,
  type GateControls, type GateRunInput, type GateRunResult, type GateState, type GateStatus,
} from '../engine/controls';
import type { FlowDefinition } from '../engine/types';

const eventSignal = defineSignal<[EventDelivery]>(EVENT_SIGNAL);
const gateQuery = defineQuery<GateState>(GATE_QUERY);
const DEFAULT_MAX_STARTS = 200;
const DEFAULT_MAX_CARRIED_BYTES = 512 * 1024;
/** Event ids remembered across continue-as-new to drop duplicate signals (the delivery store is the main guard). */
const SEEN_KEPT = 500;
/** Metric names as written (the exporter adds its prefix and suffixes, see run-metrics.ts). */
export const GATE_METRICS = { queued: 'hookflow_gate_queued' } as const;

interface Waiting { delivery: EventDelivery; bytes: number }

export async function runGatedFlow(input: GateRunInput): Promise<GateRunResult> {
  const carriedFlows = input.flows ?? {};
  const waiting = (delivery: EventDelivery): Waiting => ({ delivery, bytes: JSON.stringify(delivery.event).length + 100 });
  const queue: Waiting[] = (input.queue ?? []).map((q) => waiting(delivered(q, carriedFlows)));
  let backlogBytes = queue.reduce((sum, w) => sum + w.bytes, 0);
  const seen = new Set(input.seen ?? []);
  let controls: GateControls = input.controls ?? {};
  let nextStartAt = input.nextStartAt ?? 0;
  let running = 0;
  let started = 0;
  const failed: string[] = [];
  let status: GateStatus | undefined;
  const queuedCounter = metricMeter.createCounter(GATE_METRICS.queued, 'events', 'Events that could not start on arrival and waited in a gate, by flow and the control that held them.');

  setHandler(eventSignal, (delivery) => {
    if (seen.has(delivery.event.id)) {
      log.info('duplicate event dropped', { eventId: delivery.event.id });
      return;
    }
    seen.add(delivery.event.id);
    controls = gateControlsOf(delivery.flow);
    const held = holdingControl(controls, { running, ahead: queue.length, nextStartAt, now: Date.now() });
    if (held) queuedCounter.add(1, { flow: input.flow, control: held });
    const w = waiting(delivery);
    queue.push(w);
    backlogBytes += w.bytes;
  });
  setHandler(gateQuery, () => ({ key: input.key, status: status ?? 'idle', waiting: queue.length, running, started, controls }));

  const show = (next: GateStatus) => {
    setCurrentDetails(`${queue.length} waiting, ${running} running${controls.concurrency ? ` (limit ${controls.concurrency})` : ''}, ${started} started by this run`);
    if (next === status) return;
    status = next;
    upsertSearchAttributes([{ key: searchAttributes.outcome, value: next }]);
  };

  const startNext = () => {
    const { delivery, bytes } = queue.shift()!;
    backlogBytes -= bytes;
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
    if (due && backlogBytes <= (input.maxCarriedBytes ?? DEFAULT_MAX_CARRIED_BYTES)) {
      show('draining');
      await condition(() => running === 0);
      await condition(allHandlersFinished);
      return continueAsNew<typeof runGatedFlow>({ ...carried(input, queue.map((w) => w.delivery)), seen: [...seen].slice(-SEEN_KEPT), controls, nextStartAt });
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

/** A carried event as the delivery it was signalled as. */
function delivered(item: QueuedEvent, flows: Record<string, FlowDefinition>): EventDelivery {
  const flow = flows[item.flowVersion];
  if (!flow) throw new Error(`gate input has no definition for flow version ${item.flowVersion}`);
  return { event: item.event, flow, ...(item.workflowId && { workflowId: item.workflowId }) };
}

/** The input of the next run: each definition once, the waiting events by reference to it. */
function carried(input: GateRunInput, deliveries: EventDelivery[]): GateRunInput {
  const flows: Record<string, FlowDefinition> = {};
  const queue = deliveries.map(({ event, flow, workflowId }): QueuedEvent => {
    flows[flow.version] = flow;
    return { event, flowVersion: flow.version, ...(workflowId && { workflowId }) };
  });
  return { ...input, queue, flows };
}

/** Starts one event's run as a child and waits for it to end; false when the run failed. */
async function runOne(input: GateRunInput, { event, flow, workflowId }: EventDelivery): Promise<boolean> {
  const childId = workflowId ?? `${flow.name}:${event.source}:${event.id}`;
  try {
    const child = await startChild(FLOW_WORKFLOW_TYPE, {
      workflowId: childId,
      args: [{ flow, event } satisfies FlowRunInput],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `${flow.name} ← ${event.type} ${event.id} (${event.source}), through the gate${input.key ? ` of key ${input.key}` : ''}`,
      memo: { event: { id: event.id, type: event.type, source: event.source, receivedAt: event.receivedAt }, flowVersion: flow.version, gate: workflowInfo().workflowId },
      typedSearchAttributes: runSearchAttributes(flow, event),
    });
    await child.result();
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      log.info('event already had its run', { eventId: event.id, workflowId: childId });
      return true;
    }
    // The run failed visibly on its own (its onFailure ran); the gate goes on.
    log.warn('event run failed; the gate goes on', { eventId: event.id, workflowId: childId, message: (err as Error).message });
    upsertMemo({ lastFailedEvent: { id: event.id, workflowId: childId } });
    return false;
  }
}
