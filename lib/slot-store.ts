// Numbered slots claimed in MongoDB, shared by every process: rateLimit's admissions per window
// (server/starts/rate-limits.ts) and http.request's per-host pacing (activities/host-pacing.ts).
// A slot "<series>|<n>" is claimed by a unique _id insert (the one guarantee FerretDB 1.24 keeps
// under concurrency); documents carry `expiresAt` and are purged now and then (no TTL indexes on
// FerretDB). A purge that fails is logged and tried again at the next one.
import type { Collection, Db, Filter, OptionalUnlessRequiredId } from 'mongodb';
import type { Clock } from './clock';
import { errorText } from './errors';
import { insertOnce } from './insert-once';

export interface SlotDoc { _id: string; expiresAt: Date }

export interface SlotStoreOptions {
  /** The clock purges compare `expiresAt` with (lib/clock.ts; the system's when omitted). */
  clock?: Pick<Clock, 'now'>;
  /** Where a failed purge is reported. */
  log?: { warn(fields: object, message: string): void };
}

const PURGE_EVERY_MS = 60_000;
/** Hints kept per process: past this, they start over (a hint only saves inserts that would fail). */
const MAX_HINTS = 10_000;

export class SlotStore<T extends SlotDoc> {
  readonly collection: Collection<T>;
  /** Per series, the next slot number likely free: this process's own claims are not tried again. */
  private readonly nextSlot = new Map<string, number>();
  private lastPurge: number;

  constructor(db: Db, collectionName: string, private readonly opts: SlotStoreOptions = {}) {
    this.collection = db.collection<T>(collectionName);
    this.lastPurge = this.now();
  }

  /**
   * Claims the first free slot of `series` numbered from `first` to `last`, writing `fields(n)`
   * with it; the slot's number, or undefined when all are taken. Numbers are taken from the hint
   * before each insert, so this process's concurrent claims try different slots.
   */
  async claim(series: string, first: number, last: number, fields: (n: number) => Omit<T, '_id'>): Promise<number | undefined> {
    this.purgeNowAndThen();
    for (let n = this.takeHint(series, first); n <= last; n = this.takeHint(series, first)) {
      if (await insertOnce(this.collection, { _id: `${series}|${n}`, ...fields(n) } as OptionalUnlessRequiredId<T>)) return n;
    }
    return undefined;
  }

  /** Deletes the documents whose `expiresAt` has passed; how many. */
  async purgeExpired(): Promise<number> {
    return (await this.collection.deleteMany({ expiresAt: { $lt: new Date(this.now()) } } as Filter<T>)).deletedCount;
  }

  now(): number {
    return this.opts.clock?.now() ?? Date.now();
  }

  private takeHint(series: string, first: number): number {
    const n = Math.max(first, this.nextSlot.get(series) ?? first);
    if (this.nextSlot.size >= MAX_HINTS && !this.nextSlot.has(series)) this.nextSlot.clear();
    this.nextSlot.set(series, n + 1);
    return n;
  }

  private purgeNowAndThen(): void {
    if (this.now() - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = this.now();
    void this.purgeExpired().catch((err) => {
      this.opts.log?.warn({ collection: this.collection.collectionName, err: errorText(err) }, 'expired slots could not be purged; the next purge tries again');
    });
  }
}
