// Outbound webhooks' activities. webhook.publish (a flow step) fans an event out: one delivery
// workflow per subscribed destination, its id derived from the step's idempotency key, so a
// retried or replayed step starts none twice. outbound.attempt makes one HTTP attempt, behind the
// destination's breaker, and marks the delivery delivered when it was; outbound.record writes how
// a delivery ended otherwise (always, for runs from before hookflow-outbound-delivered-in-attempt).
// Destinations are read from the worker's live-reloaded store at each call, never from the run's input.
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { ActivityRequest } from '../engine/contract';
import {
  type AttemptOutcome, type DeliveryInput, type DeliveryResult, type DestinationSource, type OutboundMessage,
  OUTBOUND_DELIVERY_WORKFLOW_TYPE, deliveryWorkflowId, messageBody, subscribes,
} from '../engine/outbound';
import { DENY_ALL_PRIVATE, type EgressPolicy } from '../lib/egress';
import type { OutboundMetrics } from '../lib/metrics';
import { insertEachOnce } from '../lib/insert-once';
import { type ActivityDeps, badArguments, requireString } from './effects';
import { type OutboundCollections, deliveryId, outboundCollections, pendingRecord } from './outbound-store';
import { outboundAttempts } from './outbound-attempt';
import { batchActivities, enqueueBatched } from './outbound-batch';
import type { SecretLookup } from './secrets';

const PUBLISH = 'webhook.publish';
/** Delivery workflows started at once by one publish step. */
const START_CONCURRENCY = 32;
/** Pending delivery records written per insertMany by one publish step. */
const INSERT_CHUNK = 500;
/** Destination names a publish step's output lists (the output lands in the run's history). */
const LISTED = 20;

export type { OutboundMetrics };

export interface OutboundDeps extends Pick<ActivityDeps, 'db' | 'log'> {
  destinations: DestinationSource;
  secrets: SecretLookup;
  egress?: EgressPolicy;
  metrics?: OutboundMetrics;
  now?: () => Date;
}

/** The message id (webhook-id) of a publish step: the same for every attempt and replay of the step. */
export const messageIdOf = (idempotencyKey: string) => `msg_${createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, 27)}`;

export function outboundActivities(deps: OutboundDeps) {
  const c = outboundCollections(deps.db);
  const now = deps.now ?? (() => new Date());
  const attempt = outboundAttempts({ ...deps, c, egress: deps.egress ?? DENY_ALL_PRIVATE, now });
  return {
    async [PUBLISH]({ args, idempotencyKey }: ActivityRequest): Promise<{ messageId: string; deliveries: number; destinations: string[] }> {
      const type = requireString(PUBLISH, args, 'type');
      if (args.version !== undefined && typeof args.version !== 'string') throw badArguments(PUBLISH, '"version" must be a string');
      const ctx = Context.current();
      const message: OutboundMessage = {
        id: messageIdOf(idempotencyKey), type, ...(args.version !== undefined && { version: args.version as string }), data: args.data ?? null,
        // The first attempt's schedule time: the same on a retry of the step.
        publishedAt: new Date(ctx.info.scheduledTimestampMs).toISOString(),
      };
      const targets = deps.destinations.current().filter((d) => subscribes(d.events, type));
      // Every pending record before any workflow (one insertMany per chunk, not one insert each), so each delivery's record exists when it starts;
      // a batching destination's record is written as its message is queued (enqueueBatched).
      const deliveries = targets.filter((d) => !d.batch).map((d) => ({ input: { destination: d.name, message, retry: d.retry }, workflowId: deliveryWorkflowId(d.name, message.id) }));
      for (let i = 0; i < deliveries.length; i += INSERT_CHUNK) {
        await insertPending(c, deliveries.slice(i, i + INSERT_CHUNK), now());
        ctx.heartbeat(i);
      }
      let next = 0;
      const lanes = Array.from({ length: Math.min(START_CONCURRENCY, targets.length) }, async () => {
        while (next < targets.length) {
          const d = targets[next++];
          if (d.batch) await enqueueBatched(c, ctx.client, ctx.info.taskQueue, d, message, now());
          else await startDelivery(ctx.client, ctx.info.taskQueue, { destination: d.name, message, retry: d.retry }, deliveryWorkflowId(d.name, message.id));
          ctx.heartbeat(next);
        }
      });
      await Promise.all(lanes);
      deps.log.info({ type, messageId: message.id, deliveries: targets.length }, 'webhook published');
      return { messageId: message.id, deliveries: targets.length, destinations: targets.slice(0, LISTED).map((d) => d.name) };
    },

    async 'outbound.attempt'(input: { destination: string; message: OutboundMessage; attempt: number; slot?: number }): Promise<AttemptOutcome> {
      const m = input.message;
      return attempt({ destination: input.destination, deliveryIds: [deliveryId(input.destination, m.id)], webhookId: m.id, body: JSON.stringify(messageBody(m)), version: m.version, attempt: input.attempt, slot: input.slot });
    },

    ...batchActivities(c, attempt, now),

    async 'outbound.record'(input: { destination: string; messageId: string; result: DeliveryResult }): Promise<void> {
      await c.deliveries.updateOne({ _id: deliveryId(input.destination, input.messageId) }, {
        $set: { status: input.result.status, updatedAt: now(), ...(input.result.reason && { reason: input.result.reason }) },
      });
    },
  };
}

/**
 * Pending records of deliveries, in one unordered insertMany: a record that exists already (a
 * retried publish step) is left as it is; any other failure fails the step, which is retried.
 */
async function insertPending(c: OutboundCollections, deliveries: { input: DeliveryInput; workflowId: string }[], at: Date): Promise<void> {
  const outcomes = await insertEachOnce(c.deliveries, deliveries.map(({ input, workflowId }) => pendingRecord(input.destination, input.message, workflowId, at)));
  const refused = outcomes.find((o) => typeof o === 'object');
  if (refused) throw new Error(`a pending delivery record was refused: ${refused.errmsg ?? refused.code}`);
}

/** A delivery's workflow (its record is written); a second start of the same id is a no-op. */
async function startDelivery(client: Context['client'], taskQueue: string, input: DeliveryInput, workflowId: string): Promise<void> {
  try {
    await client.workflow.start(OUTBOUND_DELIVERY_WORKFLOW_TYPE, {
      workflowId, taskQueue, args: [input],
      // A delivery that finished is not delivered again by a retried publish step.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // The first workflow task comes back in the start's answer to this worker (when it has a
      // free slot), skipping a trip through the task queue; only a worker's own connection can take it.
      requestEagerStart: client.connection instanceof NativeConnection,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
