// The scheduled trigger: a flow started by a clock (a Temporal Schedule) instead of by events,
// for housekeeping such as sweeps. Pure: shared by the loader, the ingress's schedule sync and
// workflow code, which builds each run's synthetic event from the time Temporal scheduled it.
import type { FlowDefinition, FlowEvent, OverlapPolicy, ScheduleTrigger, TriggerDefinition } from './types';

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
