// A correlated flow's run: one workflow per correlation key (e.g. payment id), fed only by
// signals (signal-with-start from the ingress). It buffers callbacks that come before its trigger
// or before the wait step, waits for its trigger event, then runs the flow; wait steps take
// callbacks from the buffer. Duplicates (same event id) are dropped; callbacks after the outcome
// was settled are recorded (memo, query, log) and change nothing.
// Deterministic: only @temporalio/workflow, pure flow helpers and types.
import { ApplicationFailure, condition, defineQuery, defineSignal, isCancellation, log, patched, setHandler, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import {
  CORRELATION_QUERY, EVENT_SIGNAL, searchAttributes,
  type CorrelatedDelivery, type CorrelatedRunInput, type CorrelationState, type FlowRunResult, type IgnoredEvent, type RunOutcome,
} from '../engine/contract';
import type { Duration } from '@temporalio/common';
import { executeFlow } from '../engine/interpreter';
import type { FlowEvent } from '../engine/types';
import type { WaitRuntime } from '../engine/run-context';
import { flowRuntime } from './run-flow';

export const eventSignal = defineSignal<[CorrelatedDelivery]>(EVENT_SIGNAL);
export const correlationQuery = defineQuery<CorrelationState>(CORRELATION_QUERY);

/** Flows loaded before the loader filled in triggerTimeout (engine/defaults.ts) carry none: they waited a day. */
const UNFILLED_TRIGGER_TIMEOUT = '1d';
/** Ignored events listed in the memo; the query has the last IGNORED_KEPT, the log all of them. */
const MEMO_IGNORED = 20;
const IGNORED_KEPT = 100;
/** Event ids remembered to drop duplicate signals (the delivery store is the main guard). */
const SEEN_KEPT = 1000;
/** Runs with this marker forget the oldest seen ids past SEEN_KEPT; older runs remember all. */
export const BOUNDED_CORRELATION_PATCH = 'hookflow-bounded-correlation';
/**
 * Runs with this marker end completed, outcome trigger_missing, when their trigger never came:
 * a callback type that also comes without a trigger (payment.succeeded for a flow triggered by
 * payment.failed) is no failure, issue or alert. Asked only then; older runs failed TriggerMissing.
 */
export const QUIET_MISSING_TRIGGER_PATCH = 'hookflow-quiet-missing-trigger';

export async function runCorrelatedFlow(input: CorrelatedRunInput): Promise<FlowRunResult> {
  const { flow, key } = input;
  const seenKept = patched(BOUNDED_CORRELATION_PATCH) ? Math.max(MEMO_IGNORED, input.limits?.seenKept ?? SEEN_KEPT) : Infinity;
  const ignoredKept = Math.max(MEMO_IGNORED, input.limits?.ignoredKept ?? IGNORED_KEPT);
  const seen = new Set<string>(); // insertion-ordered: the first one is the oldest
  const settled = new Set<string>();
  const inbox: FlowEvent[] = [];
  const ignored: IgnoredEvent[] = [];
  let ignoredTotal = 0;
  let trigger: FlowEvent | undefined;
  let outcome: RunOutcome | undefined;

  const ignore = (event: FlowEvent, reason: string) => {
    ignored.push({ id: event.id, type: event.type, reason });
    ignoredTotal++;
    if (ignored.length > ignoredKept) ignored.shift();
    log.info('event ignored', { eventId: event.id, eventType: event.type, reason });
    upsertMemo({ ignoredEvents: ignored.slice(-MEMO_IGNORED) });
  };
  const setOutcome = (value: RunOutcome) => {
    outcome = value;
    upsertSearchAttributes([{ key: searchAttributes.outcome, value }]);
  };

  setHandler(eventSignal, ({ event }) => {
    if (seen.has(event.id)) {
      log.info('duplicate event dropped', { eventId: event.id });
      return;
    }
    seen.add(event.id);
    if (seen.size > seenKept) seen.delete(seen.values().next().value!);
    if (flow.trigger.events.includes(event.type)) {
      if (trigger) ignore(event, `this run already has its trigger event ${trigger.id}`);
      else trigger = event;
    } else if (settled.has(event.type)) {
      ignore(event, `the outcome was already settled (${outcome ?? 'settled'}): this event changes nothing`);
    } else {
      inbox.push(event);
    }
  });
  setHandler(correlationQuery, () => ({ key, trigger: trigger?.id, outcome, buffered: inbox.map((e) => e.id), ignored, ignoredTotal }));

  if (!trigger) {
    setOutcome('awaiting_trigger');
    const timeout = flow.correlation?.triggerTimeout ?? UNFILLED_TRIGGER_TIMEOUT;
    if (!(await condition(() => trigger !== undefined, timeout as Duration, { summary: 'awaiting trigger' }))) {
      setOutcome('trigger_missing');
      const message = `no ${flow.trigger.events.join(' or ')} with correlation key ${key} came within ${timeout}; buffered events: ${inbox.map((e) => `${e.type} ${e.id}`).join(', ')}`;
      if (patched(QUIET_MISSING_TRIGGER_PATCH)) {
        log.info(`${message}: nothing to run`);
        return { flow: flow.name, version: flow.version, steps: {}, triggerMissing: { waited: timeout, buffered: inbox.map((e) => ({ id: e.id, type: e.type })) } };
      }
      throw ApplicationFailure.nonRetryable(message, 'TriggerMissing');
    }
  }
  const event = trigger!;
  upsertSearchAttributes([{ key: searchAttributes.eventType, value: event.type }, { key: searchAttributes.eventId, value: event.id }]);
  upsertMemo({ event: { id: event.id, type: event.type, source: event.source, receivedAt: event.receivedAt } });

  const waits: WaitRuntime = {
    async awaitEvent(types, timeout, label) {
      const index = () => inbox.findIndex((e) => types.includes(e.type));
      if (index() < 0 && !(await condition(() => index() >= 0, timeout as Duration, { summary: label }))) return undefined;
      return inbox.splice(index(), 1)[0];
    },
    outcome(value, settledTypes = []) {
      setOutcome(value);
      for (const type of settledTypes) settled.add(type);
      // Callbacks already buffered for a settled wait (a second callback, or one that lost the race) change nothing either.
      for (let i = inbox.length - 1; i >= 0; i--) {
        if (settled.has(inbox[i].type)) ignore(inbox.splice(i, 1)[0], `the outcome was already settled (${value}): this event changes nothing`);
      }
    },
    failure: (type, message) => ApplicationFailure.nonRetryable(message, type),
    canRetry: (err) => !isCancellation(err),
  };
  const result = await executeFlow({ flow, event }, { ...flowRuntime(), waits });
  for (const left of inbox.splice(0)) ignore(left, 'the run finished without waiting for this event');
  return result;
}
