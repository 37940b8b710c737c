// Operating outbound webhooks from the admin API (and the console): destinations with their
// breaker state, pausing and resuming them, a test delivery, the delivery log, and retrying what
// failed. Retries start a new delivery workflow for the same message (same webhook-id, so a
// receiver that got it after all recognises it), numbered so two retries never share an id.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Db, Filter } from 'mongodb';
import type { Logger } from 'pino';
import { HookflowError } from '../../../lib/errors';
import {
  type DeliveryInput, type DestinationDefinition, type OutboundMessage, OUTBOUND_DELIVERY_WORKFLOW_TYPE, deliveryWorkflowId,
} from '../../../engine/outbound';
import { type EnqueuedMessage, OUTBOUND_BATCH_WORKFLOW_TYPE, OUTBOUND_ENQUEUE_SIGNAL, batchQueueWorkflowId } from '../../../engine/outbound-batch';
import {
  type AttemptRecord, type DestinationStateDoc, type OutboundEvent, type OutboundRecord,
  DESTINATION_STATE_COLLECTION, OUTBOUND_ATTEMPTS_COLLECTION, OUTBOUND_COLLECTION, OUTBOUND_EVENTS_COLLECTION, deliveryId,
} from '../../../engine/outbound-records';

export class OutboundNotFoundError extends HookflowError {
  constructor(what: string, id: string) { super(`${what}_not_found`, 404, `no ${what.replace('_', ' ')} "${id.slice(0, 200)}"`); }
}

export interface OutboundFilter { destination?: string; status?: 'pending' | 'delivered' | 'failed'; since?: Date; limit: number }

const MAX_RETRY_ALL = 10_000;

export function createOutboundAdmin(deps: { db: Db; client: Client; taskQueue: string; destinations: () => readonly DestinationDefinition[]; log: Logger }) {
  const deliveries = deps.db.collection<OutboundRecord>(OUTBOUND_COLLECTION);
  const attempts = deps.db.collection<AttemptRecord>(OUTBOUND_ATTEMPTS_COLLECTION);
  const states = deps.db.collection<DestinationStateDoc>(DESTINATION_STATE_COLLECTION);
  const events = deps.db.collection<OutboundEvent>(OUTBOUND_EVENTS_COLLECTION);
  const destination = (name: string) => {
    const d = deps.destinations().find((x) => x.name === name);
    if (!d) throw new OutboundNotFoundError('destination', name);
    return d;
  };
  const summary = (d: DestinationDefinition, s: DestinationStateDoc | null) => ({
    name: d.name, events: d.events, url: typeof d.url === 'string' ? d.url : `{secret:${d.url.secret}}`, signing: d.signing.scheme,
    state: s?.state ?? 'active', ...(s?.reason && { reason: s.reason }), consecutiveFailures: s?.consecutiveFailures ?? 0, attempts: s?.attempts ?? 0, failures: s?.failures ?? 0,
  });
  const setState = async (name: string, set: Partial<DestinationStateDoc> & { state: DestinationStateDoc['state']; reason: string }, kind: OutboundEvent['kind']) => {
    const now = new Date();
    const unset = set.state === 'active' ? { pausedAt: 1 as const, probeAt: 1 as const, disabledAt: 1 as const, byOperator: 1 as const } : undefined;
    await states.updateOne({ _id: name }, { $set: { ...set, consecutiveFailures: 0, ...(set.state === 'active' && { activeSince: now }), updatedAt: now }, $setOnInsert: { attempts: 0, failures: 0 }, ...(unset && { $unset: unset }) }, { upsert: true });
    await events.insertOne({ destination: name, kind, at: now, reason: set.reason });
    deps.log.warn({ destination: name, state: set.state }, `destination ${name} ${kind} by an operator`);
  };
  const start = async (input: DeliveryInput, workflowId: string) => {
    await deps.client.workflow.start(OUTBOUND_DELIVERY_WORKFLOW_TYPE, { workflowId, taskQueue: deps.taskQueue, args: [input], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
  };
  /** Claims a failed delivery (one retry wins) and starts its next workflow. */
  const retryOne = async (id: string): Promise<{ id: string; workflowId: string } | undefined> => {
    const now = new Date();
    const claimed = await deliveries.findOneAndUpdate({ _id: id, status: 'failed' }, { $set: { status: 'pending', updatedAt: now }, $inc: { retries: 1 }, $unset: { reason: 1 } }, { returnDocument: 'after' });
    if (!claimed) return undefined;
    const d = destination(claimed.destination);
    const retryKey = `${claimed.message.id}:retry-${claimed.retries}`;
    // A batch destination's message goes back to its queue, to be sent in a batch again.
    const workflowId = d.batch ? batchQueueWorkflowId(d.name) : `${deliveryWorkflowId(d.name, claimed.message.id)}:retry-${claimed.retries}`;
    await deliveries.updateOne({ _id: id }, { $set: { workflowId } });
    if (d.batch) {
      const enqueued: EnqueuedMessage = { message: claimed.message, key: retryKey, requestedAt: now.toISOString(), batch: d.batch, retry: d.retry };
      await deps.client.workflow.signalWithStart(OUTBOUND_BATCH_WORKFLOW_TYPE, { workflowId, taskQueue: deps.taskQueue, args: [{ destination: d.name }], signal: OUTBOUND_ENQUEUE_SIGNAL, signalArgs: [enqueued] });
    } else await start({ destination: d.name, message: claimed.message, retry: d.retry, manual: { requestedAt: now.toISOString() } }, workflowId);
    return { id, workflowId };
  };
  const toFilter = (f: Omit<OutboundFilter, 'limit'>): Filter<OutboundRecord> => ({
    ...(f.destination && { destination: f.destination }), ...(f.status && { status: f.status }), ...(f.since && { updatedAt: { $gte: f.since } }),
  });

  return {
    async listDestinations() {
      const docs = new Map((await states.find({}).toArray()).map((s) => [s._id, s]));
      // The latest attempt of each (for the console's health column): one small sorted read per destination.
      return Promise.all(deps.destinations().map(async (d) => {
        const last = await attempts.find({ destination: d.name }).sort({ at: -1 }).limit(1).next();
        return { ...summary(d, docs.get(d.name) ?? null), ...(last && { lastAttempt: { at: last.at, status: last.status, error: last.error, ms: last.ms } }) };
      }));
    },
    async showDestination(name: string) {
      const d = destination(name);
      const [state, recent, counts] = await Promise.all([
        states.findOne({ _id: name }),
        events.find({ destination: name }).sort({ at: -1 }).limit(20).toArray(),
        Promise.all((['pending', 'delivered', 'failed'] as const).map(async (s) => [s, await deliveries.countDocuments({ destination: name, status: s })] as const)),
      ]);
      return { ...summary(d, state), retry: d.retry, breaker: d.breaker, deliveries: Object.fromEntries(counts), history: recent.map(({ _id, ...e }) => e) };
    },
    pause: (name: string) => setState(destination(name).name, { state: 'paused', byOperator: true, pausedAt: new Date(), reason: 'paused by an operator' }, 'paused'),
    resume: (name: string) => setState(destination(name).name, { state: 'active', reason: 'resumed by an operator' }, 'resumed'),
    /** A `hookflow.test` message to one destination, whatever it subscribes to. */
    async test(name: string) {
      const d = destination(name);
      const now = new Date();
      const message: OutboundMessage = { id: `msg_test_${randomUUID().replace(/-/g, '')}`, type: 'hookflow.test', data: { test: true, destination: d.name }, publishedAt: now.toISOString() };
      const workflowId = deliveryWorkflowId(d.name, message.id);
      await deliveries.insertOne({ _id: deliveryId(d.name, message.id), destination: d.name, message, status: 'pending', attempts: 0, retries: 0, workflowId, createdAt: now, updatedAt: now });
      await start({ destination: d.name, message, retry: { ...d.retry, maxAttempts: 1 } }, workflowId);
      return { id: deliveryId(d.name, message.id), messageId: message.id, workflowId };
    },
    async list(f: OutboundFilter) {
      const found = await deliveries.find(toFilter(f)).sort({ updatedAt: -1 }).limit(f.limit).toArray();
      return found.map((r) => ({ id: r._id, destination: r.destination, type: r.message.type, messageId: r.message.id, status: r.status, attempts: r.attempts, retries: r.retries, lastStatus: r.lastStatus, reason: r.reason, updatedAt: r.updatedAt }));
    },
    async show(id: string) {
      const r = await deliveries.findOne({ _id: id });
      if (!r) throw new OutboundNotFoundError('outbound_delivery', id);
      const tries = await attempts.find({ delivery: id }).sort({ at: 1 }).limit(200).toArray();
      return { ...r, id: r._id, attempts: r.attempts, attemptLog: tries.map(({ _id, delivery, ...a }) => a) };
    },
    async retry(id: string) {
      const r = await retryOne(id);
      if (r) return r;
      if (!(await deliveries.findOne({ _id: id }))) throw new OutboundNotFoundError('outbound_delivery', id);
      throw new HookflowError('not_failed', 409, `delivery "${id}" has not failed (only failed deliveries are retried)`);
    },
    /** Every failed delivery matching the filter; with dryRun only their count. */
    async retryFailed(f: { destination?: string; since?: Date; dryRun: boolean }) {
      const filter = toFilter({ ...f, status: 'failed' });
      if (f.dryRun) return { dryRun: true, count: await deliveries.countDocuments(filter) };
      const ids = (await deliveries.find(filter, { projection: { _id: 1 } }).limit(MAX_RETRY_ALL).toArray()).map((r) => r._id);
      const started = [];
      for (const id of ids) {
        const r = await retryOne(id);
        if (r) started.push(r);
      }
      return { retried: started.length, deliveries: started };
    },
  };
}

export type OutboundAdmin = ReturnType<typeof createOutboundAdmin>;
