// Batched outbound webhooks: a destination with `batch:` gets its messages through one queue
// workflow per destination (workflows/outbound-batch.ts), which sends up to maxEvents of them in
// one request. What the publish step, the admin retry, the queue workflow and its activities
// share. Pure: runs inside workflow code.
import type { BatchSettings, DeliveryResult, OutboundMessage, RetrySchedule } from './outbound';
import { messageBody } from './outbound';

export const OUTBOUND_BATCH_WORKFLOW_TYPE = 'runOutboundBatch';
export const OUTBOUND_ENQUEUE_SIGNAL = 'outbound.enqueue';
export const OUTBOUND_BATCH_ATTEMPT_ACTIVITY = 'outbound.attemptBatch';
export const OUTBOUND_BATCH_RECORD_ACTIVITY = 'outbound.recordBatch';

/** One queue per destination: publish steps and retries signal it (signalWithStart). */
export const batchQueueWorkflowId = (destination: string): string => `outbound-batch:${destination}`;

/** A message handed to a destination's queue, with the settings in force when it was handed over. */
export interface EnqueuedMessage {
  message: OutboundMessage;
  /** Deduplicates in the queue: the message id, or `<id>:retry-<n>` for an operator's retry. */
  key: string;
  /** An operator's retry: its maximum age counts from here. */
  requestedAt?: string;
  batch: BatchSettings;
  retry: RetrySchedule;
  /** When the queue took it (workflow time, epoch ms): maxWait counts from the oldest waiting message. */
  arrivedAt?: number;
}

export interface BatchQueueInput {
  destination: string;
  /** Messages waiting, carried over a continue-as-new. */
  pending?: EnqueuedMessage[];
  /** Keys seen lately (bounded), carried over a continue-as-new: a retried publish step enqueues nothing twice. */
  seen?: string[];
  /** The batch being delivered when the queue continued as new, and its attempts so far. */
  inFlight?: { members: EnqueuedMessage[]; attempts: number };
}

export interface BatchAttemptInput { destination: string; messages: OutboundMessage[]; attempt: number; slot?: number }
export interface BatchRecordInput { destination: string; messageIds: string[]; result: DeliveryResult }

/** The request body of a batch: each member in the single-delivery shape, in the order they were enqueued. */
export function batchBody(messages: readonly OutboundMessage[]): Record<string, unknown> {
  return { type: 'batch', timestamp: messages[0]?.publishedAt, data: messages.map(messageBody) };
}

/** The version header's value: only when every member has the same version. */
export function batchVersion(messages: readonly OutboundMessage[]): string | undefined {
  const v = messages[0]?.version;
  return v !== undefined && messages.every((m) => m.version === v) ? v : undefined;
}
