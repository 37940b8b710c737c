// What a run did, read from its Temporal history for the event timeline: each step (ordinary or
// local activity) with its attempts, the time it waited for a worker and the time it ran, its
// timers (durable waits and retry backoffs), the signals it took, and each step's effect (the
// document written, the email's Message-ID, the HTTP status). Pure: payloads are decoded by the
// caller's function (the admin client's data converter, which decrypts them), so the recorded
// histories in test/fixtures test it.
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type Event = temporal.api.history.v1.IHistoryEvent;
type Payload = temporal.api.common.v1.IPayload;
/** A payload's value, or undefined when it cannot be read (no key, not JSON). */
export type Decode = (payload: Payload | null | undefined) => Promise<unknown>;

export interface TimelineItem {
  /** ISO time the item began. */
  at?: string;
  kind: 'step' | 'timer' | 'signal' | 'run';
  /** The step's label (`decrement-inventory[1]`), the timer's summary, the signal's name. */
  name: string;
  /** The activity a step used (mongo.updateOne, email.send, …). */
  activity?: string;
  local?: boolean;
  attempts?: number;
  /** Scheduled until a worker picked it up (ordinary activities). */
  waitMs?: number;
  /** How long it ran (the last attempt for ordinary activities; a timer's set duration). */
  durationMs?: number;
  state: 'ok' | 'failed' | 'running' | 'waiting' | 'canceled' | 'info';
  /** What it changed in the world, as a person checks it. */
  effect?: string;
  detail?: string;
}

const TYPES = {
  started: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
  marker: 'EVENT_TYPE_MARKER_RECORDED',
  scheduled: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
  activityStarted: 'EVENT_TYPE_ACTIVITY_TASK_STARTED',
  completed: 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED',
  failed: 'EVENT_TYPE_ACTIVITY_TASK_FAILED',
  timedOut: 'EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT',
  canceled: 'EVENT_TYPE_ACTIVITY_TASK_CANCELED',
  timerStarted: 'EVENT_TYPE_TIMER_STARTED',
  timerFired: 'EVENT_TYPE_TIMER_FIRED',
  timerCanceled: 'EVENT_TYPE_TIMER_CANCELED',
  signaled: 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
} as const;

/** Enum numbers (a live history) and names (a JSON one) alike, as the enum's name. */
function typeOf(event: Event): string {
  const t = event.eventType as unknown;
  if (typeof t === 'string') return t.startsWith('EVENT_TYPE_') ? t : `EVENT_TYPE_${t}`;
  return EVENT_TYPE_NAMES[t as number] ?? String(t);
}
// temporal.api.enums.v1.EventType by number, for the types read here.
const EVENT_TYPE_NAMES: Record<number, string> = {
  1: TYPES.started, 10: TYPES.scheduled, 11: TYPES.activityStarted, 12: TYPES.completed, 13: TYPES.failed, 14: TYPES.timedOut,
  16: TYPES.canceled, 17: TYPES.timerStarted, 18: TYPES.timerFired, 19: TYPES.timerCanceled, 25: TYPES.marker, 26: TYPES.signaled,
};

const num = (v: unknown): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : Number(String(v)));
export function millisOf(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined {
  if (!ts) return undefined;
  return num(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}
const durationMs = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) => millisOf(d);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

interface StepDefinition { id: string; uses?: string; with?: Record<string, unknown> }

/** The flow's steps by id, from the run's input (the definition travels with the run). */
function stepsOfInput(input: unknown): Map<string, StepDefinition> {
  const flow = (input as { flow?: { steps?: unknown[]; onFailure?: unknown[] } } | undefined)?.flow;
  const all: StepDefinition[] = [];
  const walk = (steps: unknown) => {
    for (const s of Array.isArray(steps) ? steps : []) {
      const step = s as StepDefinition & { steps?: unknown[]; branches?: { steps?: unknown[] }[]; then?: unknown[]; else?: unknown[] };
      if (typeof step?.id === 'string') all.push(step);
      walk(step.steps); walk(step.then); walk(step.else);
      for (const b of step.branches ?? []) walk(b.steps);
    }
  };
  walk(flow?.steps);
  walk(flow?.onFailure);
  return new Map(all.map((s) => [s.id, s]));
}

/** The step id of a label: `decrement-inventory[1]` → `decrement-inventory`. */
const stepIdOf = (label: string) => label.replace(/(\[\d+\])+$/, '');

/** What a step's result says it changed. */
export function effectOf(activity: string | undefined, result: unknown, step?: StepDefinition): string | undefined {
  if (!result || typeof result !== 'object') return undefined;
  const r = result as Record<string, unknown>;
  const collection = typeof step?.with?.collection === 'string' ? `${step.with.collection}: ` : '';
  if (activity?.startsWith('mongo.') && 'applied' in r) {
    if (r.alreadyApplied) return `${collection}already applied by an earlier attempt (not written twice)`;
    if (r.upsertedId !== undefined && r.upsertedId !== null) return `${collection}document ${JSON.stringify(r.upsertedId)} inserted`;
    return r.applied ? `${collection}document written` : `${collection}no document matched`;
  }
  if (activity?.startsWith('mongo.') && typeof r.count === 'number') return `${collection}${r.count} document(s) read`;
  if (typeof r.messageId === 'string') return `${r.sent === false ? 'already sent' : 'sent'}, Message-ID ${r.messageId}`;
  if (typeof r.status === 'number') return `HTTP ${r.status}`;
  return undefined;
}

interface LocalMarkerData { attempt?: number; activity_type?: string; complete_time?: { seconds?: number; nanos?: number }; original_schedule_time?: { seconds?: number; nanos?: number }; backoff?: { attempt?: number; backoff_duration?: unknown } | null }

async function summaryOf(event: Event, decode: Decode): Promise<string | undefined> {
  const s = await decode(event.userMetadata?.summary);
  return typeof s === 'string' ? s : undefined;
}

/** The items of one run, in history order. */
export async function runItems(history: History, decode: Decode): Promise<TimelineItem[]> {
  const events = history.events ?? [];
  const items: TimelineItem[] = [];
  let steps = new Map<string, StepDefinition>();
  const byScheduled = new Map<string, { item: TimelineItem; scheduledAt?: number; startedAt?: number }>();
  const timers = new Map<string, TimelineItem>();
  for (const event of events) {
    const at = millisOf(event.eventTime);
    const type = typeOf(event);
    const id = String(event.eventId);
    if (type === TYPES.started) {
      const input = await decode(event.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]);
      steps = stepsOfInput(input);
      continue;
    }
    if (type === TYPES.marker) {
      const attrs = event.markerRecordedEventAttributes;
      if (attrs?.markerName !== 'core_local_activity') continue;
      const data = ((await decode(attrs.details?.data?.payloads?.[0])) ?? {}) as LocalMarkerData;
      const label = (await summaryOf(event, decode)) ?? data.activity_type ?? 'local step';
      const activity = data.activity_type;
      const failure = attrs.failure;
      const ran = data.complete_time && data.original_schedule_time ? millisOf(data.complete_time as never)! - millisOf(data.original_schedule_time as never)! : undefined;
      const backoff = data.backoff ? durationMs(data.backoff.backoff_duration as never) : undefined;
      items.push({
        at: iso(at), kind: 'step', name: label, activity, local: true, attempts: data.attempt,
        ...(ran !== undefined && ran >= 0 && { durationMs: ran }),
        state: failure ? (backoff !== undefined ? 'waiting' : 'failed') : 'ok',
        ...(failure && { detail: `${failure.message ?? 'failed'}${backoff !== undefined ? `; retried after a backoff of ${Math.round(backoff / 1000)} s` : ''}` }),
        ...(!failure && { effect: effectOf(activity, await decode(attrs.details?.result?.payloads?.[0]), steps.get(stepIdOf(label))) }),
      });
      continue;
    }
    if (type === TYPES.scheduled) {
      const attrs = event.activityTaskScheduledEventAttributes;
      const activity = attrs?.activityType?.name ?? undefined;
      const label = (await summaryOf(event, decode)) ?? activity ?? 'step';
      const item: TimelineItem = { at: iso(at), kind: 'step', name: label, activity, local: false, state: 'running' };
      items.push(item);
      byScheduled.set(id, { item, scheduledAt: at });
      continue;
    }
    if (type === TYPES.activityStarted) {
      const attrs = event.activityTaskStartedEventAttributes;
      const s = byScheduled.get(String(attrs?.scheduledEventId));
      if (!s) continue;
      s.startedAt = at;
      s.item.attempts = attrs?.attempt ?? 1;
      // Only the last attempt's start is recorded: its wait is from the schedule when it is the first.
      if (s.item.attempts === 1 && at !== undefined && s.scheduledAt !== undefined) s.item.waitMs = at - s.scheduledAt;
      continue;
    }
    if (type === TYPES.completed || type === TYPES.failed || type === TYPES.timedOut || type === TYPES.canceled) {
      const attrs = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes ?? event.activityTaskCanceledEventAttributes;
      const s = byScheduled.get(String(attrs?.scheduledEventId));
      if (!s) continue;
      if (at !== undefined && s.startedAt !== undefined) s.item.durationMs = at - s.startedAt;
      if (type === TYPES.completed) {
        s.item.state = 'ok';
        s.item.effect = effectOf(s.item.activity, await decode(event.activityTaskCompletedEventAttributes?.result?.payloads?.[0]), steps.get(stepIdOf(s.item.name)));
      } else if (type === TYPES.canceled) {
        s.item.state = 'canceled';
      } else {
        s.item.state = 'failed';
        const failure = event.activityTaskFailedEventAttributes?.failure ?? event.activityTaskTimedOutEventAttributes?.failure;
        s.item.detail = failure?.cause?.message ?? failure?.message ?? (type === TYPES.timedOut ? 'timed out' : 'failed');
      }
      continue;
    }
    if (type === TYPES.timerStarted) {
      const attrs = event.timerStartedEventAttributes;
      const summary = await summaryOf(event, decode);
      // A timer without a summary is a local step's retry backoff (core sets those).
      const item: TimelineItem = { at: iso(at), kind: 'timer', name: summary ?? 'retry backoff', durationMs: durationMs(attrs?.startToFireTimeout), state: 'waiting' };
      items.push(item);
      timers.set(String(attrs?.timerId), item);
      continue;
    }
    if (type === TYPES.timerFired || type === TYPES.timerCanceled) {
      const timerId = event.timerFiredEventAttributes?.timerId ?? event.timerCanceledEventAttributes?.timerId;
      const item = timers.get(String(timerId));
      if (!item) continue;
      item.state = type === TYPES.timerFired ? 'ok' : 'canceled';
      item.detail = type === TYPES.timerFired ? `fired ${iso(at)}` : `ended early ${iso(at)} (what it waited for came)`;
      continue;
    }
    if (type === TYPES.signaled) {
      items.push({ at: iso(at), kind: 'signal', name: event.workflowExecutionSignaledEventAttributes?.signalName ?? 'signal', state: 'info' });
    }
  }
  return items;
}
