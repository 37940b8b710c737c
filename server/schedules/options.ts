// The Temporal Schedule a scheduled flow becomes: when (spec), what (start runScheduledFlow with
// the flow definition, so each run executes the definition in force when the schedule was last
// synced), policies, and the marks that say hookflow owns it.
import type { ScheduleOptions, ScheduleOverlapPolicy } from '@temporalio/client';
import { SCHEDULED_FLOW_WORKFLOW_TYPE, type ScheduledRunInput, searchAttributes } from '../../engine/contract';
import {
  DEFAULT_CATCHUP_WINDOW,
  DEFAULT_OVERLAP,
  SCHEDULE_EVENT_TYPE,
  SCHEDULE_SOURCE,
  cronList,
  describeSchedule,
  scheduleIdOf,
  scheduledWorkflowIdOf,
} from '../../engine/schedule';
import { durationMs } from '../../engine/duration';
import type { FlowDefinition, OverlapPolicy } from '../../engine/types';

/** Bump when the way schedules are built changes, so existing ones are updated on the next sync. */
const FORMAT = 1;

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: 'SKIP',
  bufferOne: 'BUFFER_ONE',
  bufferAll: 'BUFFER_ALL',
  cancelOther: 'CANCEL_OTHER',
  terminateOther: 'TERMINATE_OTHER',
  allowAll: 'ALLOW_ALL',
};

/** The schedule's memo (set once, at creation): who owns it. */
export interface OwnerMemo {
  hookflow: { flow: string; taskQueue: string };
}

export function isOwnedBy(memo: Record<string, unknown> | undefined, taskQueue: string): boolean {
  const owner = (memo as Partial<OwnerMemo> | undefined)?.hookflow;
  return !!owner && typeof owner === 'object' && owner.taskQueue === taskQueue;
}

/** What a schedule was last synced from; equal fingerprints mean nothing to update. */
export function fingerprintOf(flow: FlowDefinition, taskQueue: string): string {
  return `${flow.version}/${taskQueue}/${FORMAT}`;
}

/** The fingerprint recorded in a schedule's action (its workflow memo). */
export function recordedFingerprint(actionMemo: Record<string, unknown> | undefined): string | undefined {
  const value = actionMemo?.hookflowSchedule;
  return typeof value === 'string' ? value : undefined;
}

export function scheduleOptionsFor(flow: FlowDefinition, taskQueue: string): ScheduleOptions & { memo: OwnerMemo } {
  const schedule = flow.trigger.schedule;
  if (!schedule) throw new Error(`flow ${flow.name} has no schedule`);
  const scheduleId = scheduleIdOf(flow.name);
  const input: ScheduledRunInput = { flow, scheduleId };
  const every = durationMs(schedule.every);
  return {
    scheduleId,
    spec: every !== undefined
      ? { intervals: [{ every, offset: durationMs(schedule.offset) ?? 0 }] }
      : { cronExpressions: cronList(schedule), timezone: schedule.timezone },
    action: {
      type: 'startWorkflow',
      workflowType: SCHEDULED_FLOW_WORKFLOW_TYPE,
      workflowId: scheduledWorkflowIdOf(flow.name),
      taskQueue,
      args: [input],
      staticSummary: `${flow.name} ← ${SCHEDULE_SOURCE} (${describeSchedule(schedule)})`,
      memo: { schedule: { id: scheduleId, spec: describeSchedule(schedule) }, flowVersion: flow.version, hookflowSchedule: fingerprintOf(flow, taskQueue) },
      typedSearchAttributes: [
        { key: searchAttributes.flow, value: flow.name },
        { key: searchAttributes.flowVersion, value: flow.version },
        { key: searchAttributes.source, value: SCHEDULE_SOURCE },
        { key: searchAttributes.eventType, value: SCHEDULE_EVENT_TYPE },
      ],
    },
    policies: {
      overlap: OVERLAP[schedule.overlap ?? DEFAULT_OVERLAP],
      catchupWindow: durationMs(schedule.catchupWindow ?? DEFAULT_CATCHUP_WINDOW),
    },
    memo: { hookflow: { flow: flow.name, taskQueue } },
  };
}
