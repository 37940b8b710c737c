// The second duplicate key of sources whose event id is not signed (verification/signed-material.ts):
// one document per signed body, naming the delivery that first brought it, for the duplicate
// window. A unique _id is the whole mechanism, as for the deliveries themselves.
import type { Collection, Db } from 'mongodb';
import { UnavailableError, errorText } from '../../lib/errors';
import { isDuplicateKey } from '../../lib/insert-once';
import { DURABLE_WRITES, type DeliveryRecord } from './record';

export const SIGNED_BODIES_COLLECTION = 'hookflow_signed_bodies';

interface SignedBody { _id: string; originalId: string; expiresAt: Date }

export class SignedBodies {
  readonly collection: Collection<SignedBody>;

  constructor(db: Db) {
    this.collection = db.collection<SignedBody>(SIGNED_BODIES_COLLECTION, DURABLE_WRITES);
  }

  /**
   * Claims `key` for `record` (an original about to be stored). Returns the original delivery
   * that brought the same signed body within its duplicate window, whatever its event id: this
   * request is then a duplicate of it. Undefined when the body is new (or its first delivery was
   * never stored, or its window is over): the event id decides as before.
   */
  async claim(key: string, record: DeliveryRecord, originals: Collection<DeliveryRecord>): Promise<DeliveryRecord | undefined> {
    const entry: SignedBody = { _id: key, originalId: record._id, expiresAt: record.expiresAt };
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await this.collection.insertOne(entry);
          return undefined;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        const existing = await this.collection.findOne({ _id: key });
        if (!existing) continue; // purged in between
        if (existing.originalId === record._id) return undefined; // the same event again: its id says so
        const original = existing.expiresAt.getTime() > record.receivedAt.getTime() ? await originals.findOne({ _id: existing.originalId }) : null;
        if (original) return original;
        await this.collection.replaceOne({ _id: key, originalId: existing.originalId }, entry);
        return undefined;
      }
      return undefined;
    } catch (err) {
      throw new UnavailableError('the event cannot be stored right now; retry later', 5, errorText(err));
    }
  }

  async purgeExpired(now: Date): Promise<void> {
    await this.collection.deleteMany({ expiresAt: { $lt: now } });
  }
}
