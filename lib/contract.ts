// The contract between ingress, worker and workflow code: names, inputs, search attributes.
// Pure module: safe to import from workflow code.
import { defineSearchAttributeKey } from '@temporalio/common';
import type { FlowDefinition, FlowEvent } from './flow/types';

export const DEFAULT_TASK_QUEUE = 'hookflow';
export const FLOW_WORKFLOW_TYPE = 'runFlow';

export interface FlowRunInput {
  flow: FlowDefinition;
  event: FlowEvent;
}

export interface StepOutcome {
  status: 'completed' | 'skipped';
  output?: unknown;
}

export interface FlowRunResult {
  flow: string;
  version: string;
  steps: Record<string, StepOutcome>;
}

/** What an activity receives: resolved arguments plus a key that is stable across retries. */
export interface ActivityRequest<A = Record<string, unknown>> {
  args: A;
  idempotencyKey: string;
}

export const searchAttributes = {
  flow: defineSearchAttributeKey('HookflowFlow', 'KEYWORD'),
  flowVersion: defineSearchAttributeKey('HookflowFlowVersion', 'KEYWORD'),
  source: defineSearchAttributeKey('HookflowSource', 'KEYWORD'),
  eventType: defineSearchAttributeKey('HookflowEventType', 'KEYWORD'),
  eventId: defineSearchAttributeKey('HookflowEventId', 'KEYWORD'),
} as const;

/** name=Type pairs for `temporal server start-dev --search-attribute` and `operator search-attribute create`. */
export const searchAttributeRegistrations = Object.values(searchAttributes).map((key) => `${key.name}=Keyword`);

// Scheduled runs (lib/flow/schedule.ts): a Temporal Schedule starts this workflow type with the
// flow definition; the workflow makes the run's event from the time Temporal scheduled it.
export const SCHEDULED_FLOW_WORKFLOW_TYPE = 'runScheduledFlow';

export interface ScheduledRunInput {
  flow: FlowDefinition;
  scheduleId: string;
}

/** Set by Temporal on every run a Schedule starts (also on manual triggers). */
export const temporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', 'DATETIME');
