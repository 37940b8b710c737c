// The contract between ingress, worker and workflow code: names, inputs, search attributes.
// Pure module: safe to import from workflow code.
import { type SearchAttributePair, defineSearchAttributeKey } from '@temporalio/common';
import type { FlowDefinition, FlowEvent } from './types';
import type { SecretRef } from './secret-refs';

export const FLOW_WORKFLOW_TYPE = 'runFlow';

export interface FlowRunInput {
  flow: FlowDefinition;
  event: FlowEvent;
  /**
   * A replay: the workflow id whose step idempotency keys this run's steps use (the original
   * run's), so effects the original applied are recognised and not applied again.
   */
  effectKeysOf?: string;
  /** A batch run (flow.batch): the events it received, oldest first; `event` is the first of them. */
  events?: FlowEvent[];
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
  /**
   * http.request of runs with the run guards (workflows/run-flow.ts): where the flow file wrote a
   * declared secret reference; nothing else in `args` is one. Absent in runs started before.
   */
  secrets?: SecretRef[];
}

export const searchAttributes = {
  flow: defineSearchAttributeKey('HookflowFlow', 'KEYWORD'),
  flowVersion: defineSearchAttributeKey('HookflowFlowVersion', 'KEYWORD'),
  source: defineSearchAttributeKey('HookflowSource', 'KEYWORD'),
  eventType: defineSearchAttributeKey('HookflowEventType', 'KEYWORD'),
  eventId: defineSearchAttributeKey('HookflowEventId', 'KEYWORD'),
  correlationKey: defineSearchAttributeKey('HookflowCorrelationKey', 'KEYWORD'),
  entityKey: defineSearchAttributeKey('HookflowEntityKey', 'KEYWORD'),
  outcome: defineSearchAttributeKey('HookflowOutcome', 'KEYWORD'),
} as const;

/** The search attributes of a run that executes one event (the entity key when it belongs to an entity queue). */
export function runSearchAttributes(flow: FlowDefinition, event: FlowEvent, entityKey?: string): SearchAttributePair[] {
  return [
    { key: searchAttributes.flow, value: flow.name },
    { key: searchAttributes.flowVersion, value: flow.version },
    { key: searchAttributes.source, value: event.source },
    { key: searchAttributes.eventType, value: event.type },
    { key: searchAttributes.eventId, value: event.id },
    ...(entityKey ? [{ key: searchAttributes.entityKey, value: entityKey }] : []),
  ];
}

/** name=Type pairs for `temporal server start-dev --search-attribute` and `operator search-attribute create`. */
export const searchAttributeRegistrations = Object.values(searchAttributes).map((key) => `${key.name}=Keyword`);

// Scheduled runs (engine/schedule.ts): a Temporal Schedule starts this workflow type with the
// flow definition; the workflow makes the run's event from the time Temporal scheduled it.
export const SCHEDULED_FLOW_WORKFLOW_TYPE = 'runScheduledFlow';

export interface ScheduledRunInput {
  flow: FlowDefinition;
  scheduleId: string;
}

/** Set by Temporal on every run a Schedule starts (also on manual triggers). */
export const temporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', 'DATETIME');

// Correlated and entity-keyed flows (docs/flows.md): one long-lived workflow per key, fed by
// signal-with-start from the ingress so an event that comes early is buffered, never lost.
export const CORRELATED_WORKFLOW_TYPE = 'runCorrelatedFlow';
export const ENTITY_WORKFLOW_TYPE = 'runEntityFlow';
export const EVENT_SIGNAL = 'hookflow.event';
export const CORRELATION_QUERY = 'hookflow.correlation';

/** The payload of EVENT_SIGNAL to an entity queue: the event and the flow definition in force when it was accepted. */
export interface EventDelivery {
  event: FlowEvent;
  flow: FlowDefinition;
  /** Entity flows: the workflow id of this event's own run (a child of the entity workflow). */
  workflowId?: string;
}

/**
 * The payload of EVENT_SIGNAL to a correlated run: the event only, the run has its definition in
 * its input. Signals sent before that change also carry `flow`, which the run ignores.
 */
export interface CorrelatedDelivery {
  event: FlowEvent;
  flow?: FlowDefinition;
}

export interface CorrelatedRunInput {
  flow: FlowDefinition;
  source: string;
  key: string;
  /** Bounds of the run's state (defaults in workflows/correlated.ts); tests set small ones. */
  limits?: { seenKept?: number; ignoredKept?: number };
}

/**
 * An event waiting in an entity queue as continue-as-new carries it: its flow by version (the
 * definition once, in EntityRunInput.flows), not a copy per event.
 */
export interface QueuedEvent {
  event: FlowEvent;
  flowVersion: string;
  workflowId?: string;
}

export interface EntityRunInput {
  flow: string;
  source: string;
  key: string;
  /**
   * Carried over by continue-as-new: events not processed yet, and event ids already seen.
   * Queues continued before hookflow-entity-refs carry EventDelivery items (each with its flow).
   */
  queue?: (EventDelivery | QueuedEvent)[];
  /** The definitions the queued events run with, by version. */
  flows?: Record<string, FlowDefinition>;
  seen?: string[];
  /** Continue as new after this many events, so the history stays bounded (default 200). */
  maxEventsPerRun?: number;
  /**
   * Continue as new only once the backlog to carry is at most this many bytes (JSON), well under
   * Temporal's payload limit; until then the queue keeps draining (default 512 KiB).
   */
  maxCarriedBytes?: number;
}

/** Values of the HookflowOutcome search attribute. */
export type RunOutcome = 'awaiting_trigger' | 'trigger_missing' | 'waiting' | 'received' | 'reconciled' | 'timed_out' | 'reconciliation_exhausted'
  // A collector (engine/collect-contract.ts) waiting for a burst to end or a batch to fill.
  | 'debouncing' | 'batching';

/** An event a correlated run received and let go: a duplicate trigger, or a callback after the outcome was settled. */
export interface IgnoredEvent { id: string; type: string; reason: string }

/** What CORRELATION_QUERY answers. */
export interface CorrelationState {
  key: string;
  trigger?: string;
  outcome?: RunOutcome;
  buffered: string[];
  /** The most recent ignored events (bounded); `ignoredTotal` counts all of them. */
  ignored: IgnoredEvent[];
  ignoredTotal?: number;
}
