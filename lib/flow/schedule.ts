// The scheduled trigger: a flow started by a clock (a Temporal Schedule) instead of by events,
// for housekeeping such as sweeps. Pure: shared by the loader, the ingress's schedule sync and
// workflow code, which builds each run's synthetic event from the time Temporal scheduled it.
import type { FlowDefinition, FlowEvent, TriggerDefinition } from './types';

/** What to do when a run is due while the previous one still runs (Temporal's overlap policy). */
export const OVERLAP_POLICIES = ['skip', 'bufferOne', 'bufferAll', 'cancelOther', 'terminateOther', 'allowAll'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

export interface ScheduleTrigger {
  /** Interval such as 15m: runs at epoch + n × every + offset (UTC). */
  every?: string;
  offset?: string;
  /** One or more cron expressions (5 fields, or @hourly/@daily/…), in `timezone` (default UTC). */
  cron?: string | string[];
  timezone?: string;
  /** Default skip: a sweep never runs twice at once. */
  overlap?: OverlapPolicy;
  /** How late a missed run (Temporal was down) may still start; default 10m. */
  catchupWindow?: string;
}

/** A scheduled run's synthetic event comes from this source with this type. */
export const SCHEDULE_SOURCE = 'schedule';
export const SCHEDULE_EVENT_TYPE = 'schedule.fired';
/** Schedules hookflow creates have ids with this prefix (and a memo saying so). */
export const SCHEDULE_ID_PREFIX = 'hookflow:';
export const DEFAULT_OVERLAP: OverlapPolicy = 'skip';
export const DEFAULT_CATCHUP_WINDOW = '10m';

/** The body of a scheduled run's event. */
export interface ScheduledEventBody {
  scheduledTime: string;
  scheduleId: string;
}

export function isScheduledFlow(flow: Pick<FlowDefinition, 'trigger'>): boolean {
  return flow.trigger.schedule !== undefined;
}

export function scheduleIdOf(flowName: string): string {
  return `${SCHEDULE_ID_PREFIX}${flowName}`;
}

/** Temporal appends the scheduled time: runs read as `payment-sweep:schedule-2026-11-23T14:15:00Z`. */
export function scheduledWorkflowIdOf(flowName: string): string {
  return `${flowName}:${SCHEDULE_SOURCE}`;
}

/** The trigger a loaded scheduled flow carries: source and event type filled in, so runs look like any other. */
export function normalizedScheduleTrigger(trigger: { schedule: ScheduleTrigger }): TriggerDefinition {
  return { source: SCHEDULE_SOURCE, events: [SCHEDULE_EVENT_TYPE], schedule: trigger.schedule };
}

/** The event id is the scheduled time (unique per schedule, and readable): 2026-11-23T14:15:00Z. */
export function scheduledEvent(scheduleId: string, scheduledTime: Date, startedAt: Date): FlowEvent {
  const id = scheduledTime.toISOString().replace('.000Z', 'Z');
  const body: ScheduledEventBody = { scheduledTime: scheduledTime.toISOString(), scheduleId };
  return { id, type: SCHEDULE_EVENT_TYPE, source: SCHEDULE_SOURCE, receivedAt: startedAt.toISOString(), body };
}

export function cronList(schedule: ScheduleTrigger): string[] {
  if (schedule.cron === undefined) return [];
  return Array.isArray(schedule.cron) ? schedule.cron : [schedule.cron];
}

/** "every 15m", "cron 0 3 * * * (Europe/Berlin)": for summaries and logs. */
export function describeSchedule(schedule: ScheduleTrigger): string {
  if (schedule.every) return `every ${schedule.every}${schedule.offset ? ` +${schedule.offset}` : ''}`;
  return `cron ${cronList(schedule).join(' | ')}${schedule.timezone ? ` (${schedule.timezone})` : ''}`;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration such as 15m; undefined when it is not one. */
export function durationMs(value: unknown): number | undefined {
  const m = typeof value === 'string' ? /^([0-9]+)(ms|s|m|h|d)$/.exec(value) : null;
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}
