// The delivery store: every request's record, the duplicate check and the outbox. Correctness
// rests on one guarantee FerretDB shares with MongoDB, a unique _id (no transactions, no TTL
// indexes, and no atomic read-modify-write across concurrent writers on FerretDB 1.24).
import { randomUUID } from 'node:crypto';
import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import type { Logger } from 'pino';
import { UnavailableError, errorText } from '../../lib/errors';
import { CLAIMS_COLLECTION, DELIVERIES_COLLECTION, DURABLE_WRITES, type DeliveryRecord, type DeliverySettings, type RecordedRun, type RelayState, originalId } from './record';
import { DEFAULT_REJECTION_SETTINGS, RejectionCounter } from './rejections';
import { GroupCommit } from './group-commit';
import { insertEachOnce, insertOnce } from '../../lib/insert-once';
import { SignedBodies } from './signed-bodies';
import { createMissingIndexes } from '../../lib/mongo-indexes';

const CLAIM_BATCH = 10;
const MAX_ERROR_TEXT = 500;
/** How long a started mark waits for others to share its write (DeliverySettings.markLingerMs). */
export const DEFAULT_MARK_LINGER_MS = 50;

/** One relay attempt on one record: "<delivery id>#<attempt>". */
interface RelayClaim { _id: string; owner: string; at: Date }

const INDEXES = {
  relay_due: { 'relay.state': 1, 'relay.nextAttemptAt': 1 },
  expires: { expiresAt: 1 },
  source_event: { source: 1, eventId: 1 },
} as const;
const REJECTION_INDEXES = { minute: { minute: 1 }, expires: { expiresAt: 1 } } as const;

export class DeliveryStore {
  readonly collection: Collection<DeliveryRecord>;
  /** Rejections counted per (source, reason, minute); only a few of them become delivery records. */
  readonly rejections: RejectionCounter;
  private readonly claims: Collection<RelayClaim>;
  /** Signed bodies seen within the duplicate window, for sources whose event id is not signed. */
  private readonly signedBodies: SignedBodies;
  private readonly retryListeners = new Set<(at: Date) => void>();
  private readonly failureListeners = new Set<(source: string, reason: string) => void>();
  /** First deliveries of concurrent requests, inserted together (insertMany, unordered). */
  private readonly originals = new GroupCommit<DeliveryRecord, 'stored' | 'taken'>((records) => insertEach(this.collection, records));
  /**
   * Started runs, recorded together (one bulk write). Nobody waits on these marks (a lost one is
   * confirmed by the relay), so a mark lingers for others to join it: fewer, larger writes.
   */
  private readonly starts: GroupCommit<AnyBulkWriteOperation<DeliveryRecord>, void>;

  constructor(readonly db: Db, readonly settings: DeliverySettings, log?: Logger) {
    this.collection = db.collection<DeliveryRecord>(DELIVERIES_COLLECTION, DURABLE_WRITES);
    this.claims = db.collection<RelayClaim>(CLAIMS_COLLECTION);
    this.signedBodies = new SignedBodies(db);
    this.rejections = new RejectionCounter(db, {
      ...DEFAULT_REJECTION_SETTINGS,
      ...settings.rejections,
      retentionSeconds: settings.retentionSeconds ?? settings.dedupeWindowSeconds,
    }, log);
    this.starts = new GroupCommit<AnyBulkWriteOperation<DeliveryRecord>, void>(async (ops) => {
      await this.collection.bulkWrite(ops, { ordered: false });
      return ops.map(() => undefined);
    }, { lingerMs: settings.markLingerMs ?? DEFAULT_MARK_LINGER_MS });
  }

  /** Writes the started marks still lingering (before the store's connection closes). */
  async flush(): Promise<void> {
    await this.starts.flush();
  }

  /** Indexes for the relay's claim query, the purge and lookups by event; idempotent. */
  async ensureIndexes(): Promise<void> {
    await createMissingIndexes(this.collection, INDEXES);
    await createMissingIndexes(this.rejections.collection, REJECTION_INDEXES);
  }

  expiry(from: Date): Date {
    return new Date(from.getTime() + this.settings.dedupeWindowSeconds * 1000);
  }

  /**
   * Stores the first delivery of an event. Returns undefined when it is stored (the caller owns
   * it), or the record already there for the same (source, event id): a duplicate.
   * With `signedKey` (verification/signed-material.ts), the record already there for the same
   * signed body is a duplicate too, whatever event id this request names.
   * Throws UnavailableError (503) when nothing could be stored.
   */
  async insertOriginal(record: DeliveryRecord, signedKey?: string): Promise<DeliveryRecord | undefined> {
    if (signedKey) {
      const sameBody = await this.signedBodies.claim(signedKey, record, this.collection);
      if (sameBody) return sameBody;
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      if ((await this.originals.submit(record)) === 'stored') return undefined;
      const existing = await this.collection.findOne({ _id: record._id }).catch((err) => { throw unavailable(err); });
      if (!existing) continue; // purged in between: insert again
      const stale = existing.expiresAt.getTime() <= record.receivedAt.getTime() && existing.relay?.state !== 'pending';
      if (!stale) return existing;
      // The duplicate window of the old record is over: this delivery is a new event.
      await this.collection.deleteOne({ _id: existing._id, expiresAt: existing.expiresAt }).catch((err) => { throw unavailable(err); });
    }
    throw new UnavailableError('the event could not be stored; retry later');
  }

  /** Stores a record that must be durable before the answer (ignored events). */
  async insert(record: DeliveryRecord): Promise<void> {
    await this.collection.insertOne(record).catch((err) => { throw unavailable(err); });
  }

  /** Records a rejection or a duplicate; the answer does not depend on it, so a failure is only logged. */
  async note(record: DeliveryRecord, log: Logger): Promise<void> {
    try {
      await this.collection.insertOne(record);
    } catch (err) {
      log.error({ err: errorText(err), deliveryId: record._id }, 'could not record the delivery');
    }
  }

  /**
   * Counts a rejection (per source, reason and minute) and stores its record only when it is one
   * of the few samples of that minute: a flood of refused requests costs a bounded number of writes.
   */
  async noteRejection(record: DeliveryRecord, log: Logger): Promise<void> {
    const reason = record.reason ?? 'unknown';
    if (!this.rejections.count(record.source, reason, record.receivedAt, record.message)) return;
    await this.note(record, log);
    this.rejections.sampled(record.source, reason, record.receivedAt, record._id);
  }

  /**
   * Records that `runs` are started. Resolves once written, up to `markLingerMs` later: callers
   * need not wait (the record is durable and the runs exist; a mark lost in a crash is confirmed
   * by the relay, whose idempotent start finds the runs already there).
   */
  /** An event whose every run the flows' rate limits dropped: answered 200, nothing started. */
  async markRateLimited(source: string, eventId: string): Promise<void> {
    await this.collection.updateOne({ _id: originalId(source, eventId) }, { $set: { outcome: 'rate_limited', status: 200 } });
  }

  async markStarted(id: string, runs: RecordedRun[], now = new Date()): Promise<void> {
    await this.starts.submit({ updateOne: { filter: { _id: id }, update: { $set: { runs, 'relay.state': 'started', 'relay.startedAt': now, 'relay.leaseUntil': now }, $unset: { 'relay.lastError': '' } } } });
  }

  /** Gives a record back to the relay after a failed start, with exponential backoff. */
  async retryLater(record: DeliveryRecord, error: unknown, now = new Date()): Promise<void> {
    const attempts = record.relay?.attempts ?? 1;
    const backoff = Math.min(this.settings.maxBackoffMs, 1000 * 2 ** Math.min(attempts - 1, 20));
    const nextAttemptAt = new Date(now.getTime() + backoff);
    await this.collection.updateOne({ _id: record._id }, {
      $set: { 'relay.nextAttemptAt': nextAttemptAt, 'relay.leaseUntil': now, 'relay.lastError': errorText(error) },
    });
    for (const listener of this.retryListeners) listener(nextAttemptAt);
  }

  /** Tells `listener` when a retry is due (the relays of this process); returns the unsubscribe. */
  onRetryScheduled(listener: (at: Date) => void): () => void {
    this.retryListeners.add(listener);
    return () => this.retryListeners.delete(listener);
  }

  /** The outbox backlog: accepted deliveries whose runs are not started yet (the relay_due index serves it). */
  async countPending(): Promise<number> {
    return this.collection.countDocuments({ 'relay.state': 'pending' });
  }

  /** When the oldest record still waiting for its runs to start arrived; undefined when none waits. */
  async oldestPendingAt(): Promise<Date | undefined> {
    const oldest = await this.collection.findOne({ 'relay.state': 'pending' }, { sort: { receivedAt: 1 }, projection: { receivedAt: 1 } });
    return oldest?.receivedAt;
  }

  /**
   * The event's runs will never be started by the relay: `reason` is a stable code (not_found,
   * invalid_argument, payload_too_large, gave_up, …), `error` says what happened. Kept until its
   * retention ends, listed as outcome "failed"; a replay (admin API) can start it once fixed.
   */
  async markFailed(record: Pick<DeliveryRecord, '_id' | 'source'>, reason: string, error: string, now = new Date()): Promise<void> {
    await this.collection.updateOne({ _id: record._id }, {
      $set: { 'relay.state': 'failed', 'relay.failedReason': reason, 'relay.failedAt': now, 'relay.leaseUntil': now, 'relay.lastError': error.slice(0, MAX_ERROR_TEXT) },
    });
    for (const listener of this.failureListeners) listener(record.source, reason);
  }

  /**
   * A provider re-delivered an event whose record is failed: gives the record back to the
   * request, as at its first delivery, with `runs` (planned now, under the flows in force).
   * Returns the reopened record, or undefined when another request reopened this failure first
   * (claimed like a relay attempt: one insert of "<id>#reopen@<failedAt>"). Workflow ids are the
   * event's, so a start that went through before the failure is found, not run twice.
   */
  async reopenFailed(record: DeliveryRecord, runs: RecordedRun[], now = new Date()): Promise<DeliveryRecord | undefined> {
    const relay = record.relay;
    if (relay?.state !== 'failed') return undefined;
    const failedAt = relay.failedAt ?? relay.leaseUntil;
    const claimed = await insertOnce(this.claims, { _id: `${record._id}#reopen@${failedAt.getTime()}`, owner: 'request', at: now }).catch((err) => { throw unavailable(err); });
    if (!claimed) return undefined;
    const reopened: RelayState = {
      state: 'pending', attempts: relay.attempts + 1, nextAttemptAt: now, leaseUntil: new Date(now.getTime() + this.settings.leaseMs), owner: 'request',
      ...(relay.lastError && { lastError: relay.lastError }), reopenedFrom: relay.failedReason ?? 'failed',
    };
    const res = await this.collection.updateOne({ _id: record._id, 'relay.state': 'failed' }, { $set: { relay: reopened, runs } }).catch((err) => { throw unavailable(err); });
    return res.modifiedCount === 1 ? { ...record, runs, relay: reopened } : undefined;
  }

  /** Tells `listener` of every record marked failed (the metrics of this process); returns the unsubscribe. */
  onFailed(listener: (source: string, reason: string) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /**
   * Takes one due pending record for `owner`; two relays never get the same attempt. The claim is
   * an insert of "<record id>#<attempt>" into a claims collection: a unique _id is the one
   * guarantee FerretDB 1.24 keeps under concurrency (its findOneAndUpdate is not atomic there).
   */
  async claimDue(owner: string, now = new Date()): Promise<DeliveryRecord | null> {
    const due = await this.collection
      .find({ 'relay.state': 'pending', 'relay.nextAttemptAt': { $lte: now }, 'relay.leaseUntil': { $lte: now } })
      .sort({ 'relay.nextAttemptAt': 1 })
      .limit(CLAIM_BATCH)
      .toArray();
    for (const candidate of due) {
      const attempts = candidate.relay!.attempts;
      if (!(await insertOnce(this.claims, { _id: `${candidate._id}#${attempts}`, owner, at: now }))) continue; // another relay has this attempt
      const leaseUntil = new Date(now.getTime() + this.settings.leaseMs);
      const res = await this.collection.updateOne(
        { _id: candidate._id, 'relay.state': 'pending', 'relay.attempts': attempts },
        { $set: { 'relay.leaseUntil': leaseUntil, 'relay.owner': owner, 'relay.attempts': attempts + 1 } },
      );
      if (res.modifiedCount === 1) return { ...candidate, relay: { ...candidate.relay!, attempts: attempts + 1, leaseUntil, owner } };
    }
    return null;
  }

  /**
   * The scheduled retention cleanup (no TTL index on FerretDB): deletes records, bodies included,
   * older than the retention period once their duplicate window is over; pending ones are kept until started.
   */
  async purgeExpired(now = new Date()): Promise<number> {
    const keptSince = new Date(now.getTime() - (this.settings.retentionSeconds ?? 0) * 1000);
    const res = await this.collection.deleteMany({ expiresAt: { $lt: now }, receivedAt: { $lt: keptSince }, 'relay.state': { $ne: 'pending' } });
    await this.claims.deleteMany({ at: { $lt: new Date(now.getTime() - this.settings.dedupeWindowSeconds * 1000) } });
    await this.signedBodies.purgeExpired(now);
    return res.deletedCount + await this.rejections.purgeExpired(now);
  }
}

/**
 * Inserts `records` in one unordered insertMany: each is stored, taken (a duplicate) or failed on
 * its own. A failure that cannot be pinned on one record fails them all (503): a record that was
 * in fact stored is then found by the provider's retry, as a duplicate whose runs the relay starts.
 */
async function insertEach(collection: Collection<DeliveryRecord>, records: DeliveryRecord[]): Promise<('stored' | 'taken' | Error)[]> {
  const outcomes = await insertEachOnce(collection, records).catch((err) => { throw unavailable(err); });
  return outcomes.map((o) => (o === 'inserted' ? 'stored' : o === 'taken' ? 'taken' : unavailable(o.errmsg ?? o.code)));
}

export const newDeliveryId = () => randomUUID();


function unavailable(err: unknown): UnavailableError {
  return new UnavailableError('the event cannot be stored right now; retry later', 5, errorText(err));
}
