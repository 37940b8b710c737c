// Rejected requests in bounded form: a counter per (source, reason, minute) and the first few
// requests of each as samples (delivery records). Rejections are counted in memory and written
// at most once per key per flush, so a flood of hostile requests costs a bounded number of
// writes and documents, whatever its size. A crash loses at most one flush interval of counts
// (the Prometheus counters have them too); accepted events never go through here.
import type { Collection, Db } from 'mongodb';
import type { Logger } from 'pino';
import { isDuplicateKey } from '../../lib/insert-once';

export const REJECTIONS_COLLECTION = 'hookflow_rejections';

/** One (source, reason, minute): how many requests were refused, and the last one. */
export interface RejectionCount {
  /** "<source>|<reason>|<minute ISO>" */
  _id: string;
  source: string;
  reason: string;
  /** The start of the minute (UTC). */
  minute: Date;
  count: number;
  lastAt: Date;
  lastMessage?: string;
  /** The newest sample kept (a delivery record with outcome rejected). */
  lastSampleId?: string;
  /** After this the purge deletes it (with the delivery records). */
  expiresAt: Date;
}

export interface RejectionSettings {
  /** Requests kept as samples per (source, reason, minute) and process. */
  samplesPerMinute: number;
  /** How long (ms) counts gather in memory before they are written. */
  flushEveryMs: number;
  /** How long (s) a counter is kept. */
  retentionSeconds: number;
}

export const DEFAULT_REJECTION_SETTINGS: RejectionSettings = { samplesPerMinute: 5, flushEveryMs: 1000, retentionSeconds: 30 * 24 * 3600 };

const MINUTE_MS = 60_000;

type Pending = Omit<RejectionCount, '_id' | 'expiresAt'>;

export class RejectionCounter {
  readonly collection: Collection<RejectionCount>;
  private pending = new Map<string, Pending>();
  /** Samples taken per key in the current minute (older minutes are dropped). */
  private samples = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(db: Db, readonly settings: RejectionSettings, private readonly log?: Logger) {
    this.collection = db.collection<RejectionCount>(REJECTIONS_COLLECTION);
  }

  /** Counts one rejection; true when this request is to be kept as a sample. */
  count(source: string, reason: string, at: Date, message?: string): boolean {
    const minute = new Date(Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS);
    const key = `${source}|${reason}|${minute.toISOString()}`;
    const entry = this.pending.get(key);
    if (entry) {
      entry.count++;
      if (at >= entry.lastAt) Object.assign(entry, { lastAt: at, lastMessage: message });
    } else {
      this.pending.set(key, { source, reason, minute, count: 1, lastAt: at, lastMessage: message });
    }
    this.schedule();
    const taken = this.samples.get(key) ?? 0;
    if (taken >= this.settings.samplesPerMinute) return false;
    if (this.samples.size > 1000) this.forgetBefore(minute); // only the current minutes matter
    this.samples.set(key, taken + 1);
    return true;
  }

  /** The sample stored for a rejection counted at `at`: the counter links to it. */
  sampled(source: string, reason: string, at: Date, id: string): void {
    const minute = new Date(Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS);
    const key = `${source}|${reason}|${minute.toISOString()}`;
    const entry = this.pending.get(key) ?? { source, reason, minute, count: 0, lastAt: at };
    entry.lastSampleId = id;
    this.pending.set(key, entry);
    this.schedule();
  }

  /** Writes what was counted so far: one upsert per key. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.flushing.then(() => this.write(batch));
    await this.flushing;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.settings.flushEveryMs);
    this.timer.unref();
  }

  private forgetBefore(minute: Date): void {
    for (const key of this.samples.keys()) if (!key.endsWith(minute.toISOString())) this.samples.delete(key);
  }

  private async write(batch: Map<string, Pending>): Promise<void> {
    for (const [key, p] of batch) {
      const set = { ...(p.lastMessage !== undefined && { lastMessage: p.lastMessage }), ...(p.lastSampleId && { lastSampleId: p.lastSampleId }) };
      const update = {
        $inc: { count: p.count },
        $max: { lastAt: p.lastAt },
        ...(Object.keys(set).length && { $set: set }),
        $setOnInsert: { source: p.source, reason: p.reason, minute: p.minute, expiresAt: new Date(p.minute.getTime() + MINUTE_MS + this.settings.retentionSeconds * 1000) },
      };
      try {
        await this.upsert(key, update);
      } catch (err) {
        // The store is unreachable: keep the counts for the next flush rather than lose them.
        this.log?.warn({ err: (err as Error).message, key }, 'could not write rejection counts; will retry');
        const again = this.pending.get(key);
        this.pending.set(key, again ? { ...p, ...again, count: again.count + p.count } : p);
        this.schedule();
      }
    }
  }

  private async upsert(key: string, update: object): Promise<void> {
    try {
      await this.collection.updateOne({ _id: key }, update, { upsert: true });
    } catch (err) {
      // Two replicas inserted the same key at once: the other one won, update it.
      if (!isDuplicateKey(err)) throw err;
      await this.collection.updateOne({ _id: key }, update);
    }
  }

  /** Deletes counters past their retention. */
  async purgeExpired(now = new Date()): Promise<number> {
    return (await this.collection.deleteMany({ expiresAt: { $lt: now } })).deletedCount;
  }
}
