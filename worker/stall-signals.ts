// What shows a stalled worker that the SDK's own metrics do not count: workflow tasks that ran
// past their deadline. The SDK logs each one as a warning, "[TMPRL1104] … Workflow task duration
// exceeded 5 seconds" (TEMPORAL_WORKFLOW_TASK_DURATION_WARN_SECONDS; the task's timeout is 10 s,
// and a task kept open by local steps is heartbeated at 8 s). Counted here from the SDK's log, so
// the count is the SDK's own judgement, not a second clock of ours.
import type { LogEntry } from '@temporalio/worker';

export const OVER_DEADLINE_CODE = '[TMPRL1104]';

export function isWorkflowTaskOverDeadline(entry: Pick<LogEntry, 'level' | 'message'>): boolean {
  return entry.level === 'WARN' && entry.message.includes(OVER_DEADLINE_CODE);
}

/** Wraps a DefaultLogger's sink: `counted()` for each workflow task over its deadline, then the sink. */
export function countingOverDeadline(sink: (entry: LogEntry) => void, counted: () => void): (entry: LogEntry) => void {
  return (entry) => {
    if (isWorkflowTaskOverDeadline(entry)) counted();
    sink(entry);
  };
}
