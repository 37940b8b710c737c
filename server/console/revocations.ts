// Console sessions ended by logout, kept in MongoDB so every replica refuses a copied cookie.
// One document per session id, expiring with the session; FerretDB has no TTL indexes, so
// expired ones are purged now and then (as lib/slot-store.ts does). No in-process cache: a
// revocation made on one replica holds on every other from the next request on.
import type { Collection, Db } from 'mongodb';
import { errorText } from '../../lib/errors';
import { insertOnce } from '../../lib/insert-once';

export const REVOCATIONS_COLLECTION = 'hookflow_console_revocations';
const PURGE_EVERY_MS = 60_000;

export interface SessionRevocations {
  /** Records `id` as ended; kept until `expiresAt`, when the session would have expired anyway. */
  revoke(id: string, expiresAt: Date): Promise<void>;
  isRevoked(id: string): Promise<boolean>;
}

interface RevocationDoc { _id: string; expiresAt: Date }

export function mongoRevocations(db: Db, log?: { warn(fields: object, message: string): void }): SessionRevocations {
  const collection: Collection<RevocationDoc> = db.collection<RevocationDoc>(REVOCATIONS_COLLECTION);
  let lastPurge = Date.now();
  const purgeNowAndThen = () => {
    if (Date.now() - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = Date.now();
    void collection.deleteMany({ expiresAt: { $lt: new Date() } }).catch((err) => {
      log?.warn({ collection: REVOCATIONS_COLLECTION, err: errorText(err) }, 'expired console revocations could not be purged; the next purge tries again');
    });
  };
  return {
    async revoke(id, expiresAt) {
      purgeNowAndThen();
      await insertOnce(collection, { _id: id, expiresAt }); // a second logout of the same session is a no-op
    },
    async isRevoked(id) {
      purgeNowAndThen();
      return (await collection.findOne({ _id: id }, { projection: { _id: 1 } })) !== null;
    },
  };
}
