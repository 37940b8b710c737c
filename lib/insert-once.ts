// Claiming by a unique _id insert in MongoDB: the one guarantee FerretDB 1.24 keeps under
// concurrency, so slot and decision documents are claimed this way, never read-then-written.
import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';

/** MongoDB's (and FerretDB's) error code for a write whose unique key is taken. */
const DUPLICATE_KEY = 11000;

/** A write refused because a document with its unique key (its _id, most often) exists already. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === DUPLICATE_KEY;
}

/** Inserts `doc`; false, and nothing written, when a document with its _id is there already. */
export async function insertOnce<T extends Document>(collection: Collection<T>, doc: OptionalUnlessRequiredId<T>): Promise<boolean> {
  try {
    await collection.insertOne(doc);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
