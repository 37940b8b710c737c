// The counts behind the breaker's failure-rate rule (engine/outbound-breaker.ts): attempts and
// failures per destination in time buckets, one document per bucket, incremented by every
// worker. Only destinations with `breaker.failureRate` are counted. Old buckets are deleted when
// the rate is read (no TTL indexes on FerretDB).
import type { Db } from 'mongodb';
import type { FailureRateSettings } from '../engine/outbound';
import { type FailureRate, bucketMs, bucketStart, failureRate } from '../engine/outbound-breaker';
import { OUTBOUND_WINDOW_COLLECTION } from '../engine/outbound-records';
import { isDuplicateKey } from '../lib/insert-once';

interface BucketDoc { _id: string; destination: string; start: number; attempts: number; failures: number }

export function outboundWindow(db: Db) {
  const buckets = db.collection<BucketDoc>(OUTBOUND_WINDOW_COLLECTION);
  return {
    /** Counts one attempt; on a failure, returns the rate over the window (for the breaker to decide on). */
    async count(destination: string, s: FailureRateSettings, ok: boolean, now: Date, since?: Date): Promise<FailureRate | undefined> {
      const start = bucketStart(now.getTime(), s.windowMs);
      const inc = () => buckets.updateOne({ _id: `${destination}|${start}` }, { $inc: { attempts: 1, failures: ok ? 0 : 1 }, $setOnInsert: { destination, start } }, { upsert: true });
      // Two workers creating the same bucket at once: one insert loses and the update then applies.
      await inc().catch((err) => { if (isDuplicateKey(err)) return inc(); throw err; });
      if (ok) return undefined;
      const from = now.getTime() - s.windowMs - bucketMs(s.windowMs);
      await buckets.deleteMany({ destination, start: { $lt: from } });
      const found = await buckets.find({ destination, start: { $gte: from } }).toArray();
      return failureRate(found, s, now.getTime(), since?.getTime());
    },
  };
}
