// The documents outbound webhooks keep in MongoDB, named here so the worker's activities
// (activities/outbound-store.ts) and the admin API (server/admin/outbound) read the same shapes.
// Types and names only.
import type { DeliveryStatus, OutboundMessage } from './outbound';

export const OUTBOUND_COLLECTION = 'hookflow_outbound';
export const OUTBOUND_ATTEMPTS_COLLECTION = 'hookflow_outbound_attempts';
export const DESTINATION_STATE_COLLECTION = 'hookflow_outbound_destinations';
export const OUTBOUND_EVENTS_COLLECTION = 'hookflow_outbound_events';
/** Concurrency leases (activities/outbound-concurrency.ts) and failure-rate buckets (activities/outbound-window.ts). */
export const OUTBOUND_LEASES_COLLECTION = 'hookflow_outbound_leases';
export const OUTBOUND_WINDOW_COLLECTION = 'hookflow_outbound_window';

export interface OutboundRecord {
  /** `<destination>:<message id>`. */
  _id: string;
  destination: string;
  message: OutboundMessage;
  status: DeliveryStatus;
  attempts: number;
  /** Operator retries started so far (each a new delivery workflow). */
  retries: number;
  workflowId: string;
  /** The batch (its webhook-id) this delivery was last sent in, for a destination with `batch:`. */
  batch?: string;
  lastStatus?: number;
  lastError?: string;
  reason?: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface AttemptRecord {
  _id: string;
  delivery: string;
  destination: string;
  at: Date;
  status?: number;
  error?: string;
  ms: number;
  /** The batch (its webhook-id) the attempt sent this delivery in. */
  batch?: string;
  /** The response body's first bytes, for the operator. */
  response?: string;
}

export type DestinationState = 'active' | 'paused' | 'disabled';

export interface DestinationStateDoc {
  _id: string;
  state: DestinationState;
  consecutiveFailures: number;
  attempts: number;
  failures: number;
  pausedAt?: Date;
  probeAt?: Date;
  disabledAt?: Date;
  /** Paused by an operator: held (re-checked every probeAfter) until resumed, never probed or disabled. */
  byOperator?: boolean;
  /** When it was last made active again (a probe succeeded, an operator resumed it): the failure rate counts from here. */
  activeSince?: Date;
  /** Why an operator or the breaker set the state. */
  reason?: string;
  updatedAt: Date;
}

/** An operator event: a destination paused, disabled or resumed (for the log, the console and the alert). */
export interface OutboundEvent { _id?: unknown; destination: string; kind: 'paused' | 'disabled' | 'resumed'; at: Date; reason: string }

export const deliveryId = (destination: string, messageId: string) => `${destination}:${messageId}`;
