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
import { MongoBulkWriteError } from 'mongodb';
import { insertOnce, isDuplicateKey } from '../lib/insert-once';
import { type ActivityDeps, badArguments, requireString } from './effects';
import { type OutboundCollections, admit, countOutcome, deliveryId, outboundCollections } from './outbound-store';
import { outboundAgents, postDelivery } from './outbound-send';
import { HostPacer } from './host-pacing';
import { deliverySignature, signingKey } from './outbound-signing';
import { type SecretLookup, resolveSecret } from './secrets';

const PUBLISH = 'webhook.publish';
/** Delivery workflows started at once by one publish step. */
const START_CONCURRENCY = 32;
/** Pending delivery records written per insertMany by one publish step. */
const INSERT_CHUNK = 500;
/** Destination names a publish step's output lists (the output lands in the run's history). */
const LISTED = 20;
/** A rate-limited attempt whose turn is this close waits in the activity; a later turn, in the workflow. */
const MAX_WAIT_IN_ACTIVITY_MS = 1000;

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
  const egress = deps.egress ?? DENY_ALL_PRIVATE;
  const agents = outboundAgents();
  const pacer = new HostPacer(deps.db, {});
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
      const deliveries = targets.map((d) => ({ input: { destination: d.name, message, retry: d.retry }, workflowId: deliveryWorkflowId(d.name, message.id) }));
      // Every pending record before any workflow (one insertMany per chunk, not one insert each), so each delivery's record exists when it starts.
      for (let i = 0; i < deliveries.length; i += INSERT_CHUNK) {
        await insertPending(c, deliveries.slice(i, i + INSERT_CHUNK), now());
        ctx.heartbeat(i);
      }
      let next = 0;
      const lanes = Array.from({ length: Math.min(START_CONCURRENCY, deliveries.length) }, async () => {
        while (next < deliveries.length) {
          const { input, workflowId } = deliveries[next++];
          await startDelivery(ctx.client, ctx.info.taskQueue, input, workflowId);
          ctx.heartbeat(next);
        }
      });
      await Promise.all(lanes);
      deps.log.info({ type, messageId: message.id, deliveries: targets.length }, 'webhook published');
      return { messageId: message.id, deliveries: targets.length, destinations: targets.slice(0, LISTED).map((d) => d.name) };
    },

    async 'outbound.attempt'(input: { destination: string; message: OutboundMessage; attempt: number; slot?: number }): Promise<AttemptOutcome> {
      const d = deps.destinations.get(input.destination);
      if (!d) return { kind: 'refused', reason: `destination ${input.destination} is no longer configured` };
      const at = now();
      const admission = await admit(c, d.name, d.breaker, at);
      if (!admission.send) {
        if ('disabled' in admission) {
          deps.metrics?.state(d.name, 'disabled');
          return { kind: 'refused', reason: `destination disabled: ${admission.disabled}` };
        }
        deps.metrics?.state(d.name, 'paused');
        return { kind: 'held', state: 'paused', retryAt: admission.retryAt.toISOString() };
      }
      // The rate limit: a turn claimed once per attempt; a turn over a second away is waited for by the workflow (a timer), not here.
      if (d.rateLimit) {
        const turn = input.slot ?? (await pacer.claimSlot(`destination:${d.name}`, d.rateLimit.perSecond));
        const wait = turn - Date.now();
        if (wait > MAX_WAIT_IN_ACTIVITY_MS) return { kind: 'held', state: 'rate-limited', retryAt: new Date(turn).toISOString(), slot: turn };
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const body = JSON.stringify(messageBody(input.message));
      const secret = (name: string) => resolveSecret('outbound.attempt', deps.secrets, name);
      const url = typeof d.url === 'string' ? d.url : secret(d.url.secret);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(d.headers)) headers[k.toLowerCase()] = typeof v === 'string' ? v : secret(v.secret);
      if (d.versionHeader && input.message.version !== undefined) headers[d.versionHeader.toLowerCase()] = input.message.version;
      const keys = d.signing.secrets.map((name) => signingKey(d.signing.scheme, secret(name)));
      Object.assign(headers, deliverySignature(d.signing.scheme, keys, input.message.id, Math.floor(at.getTime() / 1000), body));
      const result = await postDelivery(url, headers, body, { timeoutMs: d.timeoutMs, egress, agents });
      const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
      const id = deliveryId(d.name, input.message.id);
      // The attempt's record, the delivery's counters and the breaker's count are independent writes: sent at once, one round trip of waiting instead of three.
      const [, , state] = await Promise.all([
        insertOnce(c.attempts, {
          _id: `${id}#${input.attempt}#${at.getTime()}`, delivery: id, destination: d.name, at, ms: result.ms,
          ...(result.status !== undefined && { status: result.status }), ...(result.error && { error: result.error }), ...(result.response && { response: result.response }),
        }),
        c.deliveries.updateOne({ _id: id }, {
          $inc: { attempts: 1 },
          $set: { updatedAt: at, ...(result.status !== undefined && { lastStatus: result.status }), ...(ok ? { lastError: '', status: 'delivered' as const } : { lastError: result.error ?? 'failed' }) },
        }),
        countOutcome(c, d.name, d.breaker, ok, at),
      ]);
      deps.metrics?.attempt(d.name, ok, result.ms);
      deps.metrics?.state(d.name, ok ? 'active' : state?.state === 'active' && state.consecutiveFailures >= d.breaker.consecutiveFailures ? 'paused' : state?.state ?? 'active');
      if (ok) return { kind: 'delivered', status: result.status!, ms: result.ms };
      deps.log.warn({ destination: d.name, messageId: input.message.id, attempt: input.attempt, status: result.status, error: result.error }, 'outbound attempt failed');
      return { kind: 'failed', ...(result.status !== undefined && { status: result.status }), error: result.error ?? 'failed', ms: result.ms, retryable: result.retryable };
    },

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
  const records = deliveries.map(({ input, workflowId }) => ({
    _id: deliveryId(input.destination, input.message.id), destination: input.destination, message: input.message,
    status: 'pending' as const, attempts: 0, retries: 0, workflowId, createdAt: at, updatedAt: at,
  }));
  try {
    await c.deliveries.insertMany(records, { ordered: false });
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError) || err.writeConcernError) throw err;
    const errors = [err.writeErrors].flat();
    if (errors.some((e) => !isDuplicateKey(e)) || err.result.insertedCount + errors.length !== records.length) throw err;
  }
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
