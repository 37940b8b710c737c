// Debounce and batch (docs/flows.md "Debounce and batch"): the contract between the ingress, the
// collector workflow (workflows/collect.ts) and the activity that records absorbed events on their
// deliveries. Events reach a collector by signal-with-start (EVENT_SIGNAL with an EventDelivery),
// one collector per flow, source, control and key. Pure module: safe to import from workflow code.
import type { FlowDefinition, FlowEvent } from './types';

export const COLLECT_WORKFLOW_TYPE = 'runCollector';
/** Writes `absorbed.<flow>` on the delivery records of events absorbed into a run. */
export const RECORD_ABSORBED_ACTIVITY = 'recordAbsorbed';
/** Counter on the worker's SDK metrics (exported as temporal_hookflow_events_absorbed_total). */
export const ABSORBED_METRIC = 'hookflow_events_absorbed';

export type CollectControl = 'debounce' | 'batch';
/** How a delivery record names an event that did not run alone. */
export type AbsorbedAs = 'debounced' | 'batched';
export const ABSORBED_AS: Readonly<Record<CollectControl, AbsorbedAs>> = { debounce: 'debounced', batch: 'batched' };
/** The collector key of a batch without a key: one batch per flow and source. */
export const ALL_KEYS = '*';

/** An event waiting in a collector: its flow by version (the definitions once, in CollectRunInput.flows). */
export interface CollectedEvent {
  event: FlowEvent;
  flowVersion: string;
  /** The event's own workflow id: the id of the run it starts when it is the one that runs. */
  workflowId: string;
  /** Workflow time (ms) the collector received it. */
  arrivedAt: number;
}

export interface CollectRunInput {
  flow: string;
  source: string;
  key: string;
  control: CollectControl;
  /** Carried over by continue-as-new: the events waiting, their definitions, event ids seen. */
  waiting?: CollectedEvent[];
  flows?: Record<string, FlowDefinition>;
  seen?: string[];
  /** Debounce: ids of the current burst's events superseded by a later one (recorded when it runs). */
  superseded?: string[];
  /** Workflow time (ms) the current debounce burst began (timeout counts from it). */
  burstStartedAt?: number;
  /** Continue as new after this many events received (default in workflows/collect.ts); tests set small ones. */
  maxEventsPerRun?: number;
}

/** What RECORD_ABSORBED_ACTIVITY records: these events were absorbed into the run `by`. */
export interface AbsorbedEvents {
  source: string;
  flow: string;
  eventIds: string[];
  as: AbsorbedAs;
  by: string;
}

export interface CollectRunResult { runs: string[]; absorbed: number }
