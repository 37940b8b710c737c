// What outbound webhooks keep in MongoDB: one record per delivery (destination × message, with
// the message, so an operator can retry it), one per attempt, and each destination's breaker
// state. Breaker transitions are conditional single-document updates (atomic on MongoDB and on
// the patched FerretDB), so several workers agree on who pauses, probes or disables.
import type { Db } from 'mongodb';
import type { BreakerSettings, OutboundMessage } from '../engine/outbound';
import {
  type AttemptRecord, type DestinationState, type DestinationStateDoc, type OutboundEvent, type OutboundRecord,
  DESTINATION_STATE_COLLECTION, OUTBOUND_ATTEMPTS_COLLECTION, OUTBOUND_COLLECTION, OUTBOUND_EVENTS_COLLECTION, deliveryId,
} from '../engine/outbound-records';

export * from '../engine/outbound-records';

export function outboundCollections(db: Db) {
  return {
    deliveries: db.collection<OutboundRecord>(OUTBOUND_COLLECTION),
    attempts: db.collection<AttemptRecord>(OUTBOUND_ATTEMPTS_COLLECTION),
    states: db.collection<DestinationStateDoc>(DESTINATION_STATE_COLLECTION),
    events: db.collection<OutboundEvent>(OUTBOUND_EVENTS_COLLECTION),
  };
}
export type OutboundCollections = ReturnType<typeof outboundCollections>;

/** A delivery's record before its first attempt, run by `workflowId` (its own, or its destination's batch queue). */
export const pendingRecord = (destination: string, message: OutboundMessage, workflowId: string, at: Date): OutboundRecord => ({
  _id: deliveryId(destination, message.id), destination, message, status: 'pending', attempts: 0, retries: 0, workflowId, createdAt: at, updatedAt: at,
});


/** What an attempt may do now: send, wait until `retryAt` (paused, not this attempt's turn to probe), or nothing (disabled). */
export type Admission = { send: true; probe: boolean } | { send: false; retryAt: Date } | { send: false; disabled: string };

export async function admit(c: OutboundCollections, destination: string, breaker: BreakerSettings, now: Date): Promise<Admission> {
  const doc = await c.states.findOne({ _id: destination });
  if (!doc || doc.state === 'active') return { send: true, probe: false };
  if (doc.state === 'disabled') return { send: false, disabled: doc.reason ?? 'the destination is disabled' };
  if (doc.byOperator) return { send: false, retryAt: new Date(now.getTime() + breaker.probeAfterMs) };
  if (doc.pausedAt && now.getTime() - doc.pausedAt.getTime() >= breaker.disableAfterMs) {
    const reason = `paused since ${doc.pausedAt.toISOString()} without a successful probe`;
    await transition(c, destination, 'paused', { state: 'disabled', disabledAt: now, reason }, now);
    return { send: false, disabled: reason };
  }
  // One probe per probeAfter, whichever worker claims it: the update succeeds for one attempt only.
  const next = new Date(now.getTime() + breaker.probeAfterMs);
  const claimed = await c.states.findOneAndUpdate({ _id: destination, state: 'paused', probeAt: { $lte: now } }, { $set: { probeAt: next, updatedAt: now } });
  if (claimed) return { send: true, probe: true };
  return { send: false, retryAt: doc.probeAt && doc.probeAt > now ? doc.probeAt : next };
}

/** Counts an attempt's outcome; pauses the destination after K failures in a row, and reopens it on a success. */
export async function countOutcome(c: OutboundCollections, destination: string, breaker: BreakerSettings, ok: boolean, now: Date): Promise<DestinationStateDoc | null> {
  if (ok) {
    const before = await c.states.findOneAndUpdate(
      { _id: destination },
      { $set: { consecutiveFailures: 0, updatedAt: now }, $inc: { attempts: 1 }, $setOnInsert: { state: 'active', failures: 0 } },
      { upsert: true, returnDocument: 'before' },
    );
    if (before?.state === 'paused') await transition(c, destination, 'paused', { state: 'active', reason: 'a probe succeeded' }, now);
    return before;
  }
  const after = await c.states.findOneAndUpdate(
    { _id: destination },
    { $inc: { consecutiveFailures: 1, failures: 1, attempts: 1 }, $set: { updatedAt: now }, $setOnInsert: { state: 'active' } },
    { upsert: true, returnDocument: 'after' },
  );
  if (after?.state === 'active' && after.consecutiveFailures >= breaker.consecutiveFailures) {
    await transition(c, destination, 'active', { state: 'paused', pausedAt: now, probeAt: new Date(now.getTime() + breaker.probeAfterMs), reason: `${after.consecutiveFailures} failed attempts in a row` }, now);
  }
  return after;
}

/** Moves a destination from `from` to a new state, once: the event is written by whoever made the move. */
export async function transition(c: OutboundCollections, destination: string, from: DestinationState | DestinationState[], set: Partial<DestinationStateDoc> & { state: DestinationState; reason: string }, now: Date): Promise<boolean> {
  const unset = set.state === 'active' ? { pausedAt: 1 as const, probeAt: 1 as const, disabledAt: 1 as const, byOperator: 1 as const } : undefined;
  const res = await c.states.updateOne(
    { _id: destination, state: { $in: Array.isArray(from) ? from : [from] } },
    { $set: { ...set, ...(set.state === 'active' && { consecutiveFailures: 0, activeSince: now }), updatedAt: now }, ...(unset && { $unset: unset }) },
  );
  if (!res.modifiedCount) return false;
  const kind = set.state === 'active' ? 'resumed' : set.state;
  await c.events.insertOne({ destination, kind, at: now, reason: set.reason });
  return true;
}
