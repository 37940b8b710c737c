// Batched outbound webhooks' side of the worker: handing a message to its destination's queue
// workflow (workflows/outbound-batch.ts) from the publish step, and the queue's attempt and
// record activities. A batch's webhook-id is derived from its members' message ids, so every
// attempt of one batch carries the same id.
import { createHash } from 'node:crypto';
import type { Context } from '@temporalio/activity';
import type { AttemptOutcome, DestinationDefinition, OutboundMessage } from '../engine/outbound';
import {
  type BatchAttemptInput, type BatchRecordInput, type EnqueuedMessage,
  OUTBOUND_BATCH_WORKFLOW_TYPE, OUTBOUND_ENQUEUE_SIGNAL, batchBody, batchQueueWorkflowId, batchVersion,
} from '../engine/outbound-batch';
import { insertOnce } from '../lib/insert-once';
import type { AttemptRequest } from './outbound-attempt';
import { type OutboundCollections, deliveryId, pendingRecord } from './outbound-store';

/** The webhook-id of a batch: the same for the same members in the same order. */
export const batchIdOf = (messageIds: readonly string[]) => `batch_${createHash('sha256').update(messageIds.join('\n')).digest('base64url').slice(0, 27)}`;

/**
 * The delivery's record first (pending), then the message to the destination's queue, started if
 * it is not running. A record that already ended (a publish step retried after its batch went)
 * is not enqueued again; the queue also ignores a message id it saw lately.
 */
export async function enqueueBatched(c: OutboundCollections, client: Context['client'], taskQueue: string, d: DestinationDefinition, message: OutboundMessage, at: Date): Promise<void> {
  const id = deliveryId(d.name, message.id);
  const workflowId = batchQueueWorkflowId(d.name);
  const inserted = await insertOnce(c.deliveries, pendingRecord(d.name, message, workflowId, at));
  if (!inserted && (await c.deliveries.findOne({ _id: id }, { projection: { status: 1 } }))?.status !== 'pending') return;
  const enqueued: EnqueuedMessage = { message, key: message.id, batch: d.batch!, retry: d.retry };
  await client.workflow.signalWithStart(OUTBOUND_BATCH_WORKFLOW_TYPE, { workflowId, taskQueue, args: [{ destination: d.name }], signal: OUTBOUND_ENQUEUE_SIGNAL, signalArgs: [enqueued] });
}

export function batchActivities(c: OutboundCollections, attempt: (input: AttemptRequest) => Promise<AttemptOutcome>, now: () => Date) {
  return {
    async 'outbound.attemptBatch'(input: BatchAttemptInput): Promise<AttemptOutcome> {
      const batch = batchIdOf(input.messages.map((m) => m.id));
      return attempt({
        destination: input.destination, deliveryIds: input.messages.map((m) => deliveryId(input.destination, m.id)), webhookId: batch, batch,
        body: JSON.stringify(batchBody(input.messages)), version: batchVersion(input.messages), attempt: input.attempt, slot: input.slot,
      });
    },
    /** Every member's record says how its batch ended. */
    async 'outbound.recordBatch'(input: BatchRecordInput): Promise<void> {
      await c.deliveries.updateMany({ _id: { $in: input.messageIds.map((id) => deliveryId(input.destination, id)) } }, {
        $set: { status: input.result.status, batch: batchIdOf(input.messageIds), updatedAt: now(), ...(input.result.reason && { reason: input.result.reason }) },
      });
    },
  };
}
