// A run started by a Temporal Schedule: its event is made here from the time Temporal scheduled
// it (the TemporalScheduledStartTime search attribute), then the flow runs like any other.
// Deterministic: workflowInfo() is part of the run's history.
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { type FlowRunResult, type ScheduledRunInput, searchAttributes, temporalScheduledStartTime } from '../engine/contract';
import { scheduledEvent } from '../engine/schedule';
import { runFlow } from './run-flow';

export async function runScheduledFlow(input: ScheduledRunInput): Promise<FlowRunResult> {
  const info = workflowInfo();
  const scheduledAt = info.typedSearchAttributes.get(temporalScheduledStartTime) ?? info.runStartTime;
  const event = scheduledEvent(input.scheduleId, scheduledAt, info.runStartTime);
  // The schedule's action sets the static attributes; the event id is known only now.
  upsertSearchAttributes([{ key: searchAttributes.eventId, value: event.id }]);
  return runFlow({ flow: input.flow, event });
}
