// Claiming by a unique _id insert in MongoDB: the one guarantee FerretDB 1.24 keeps under
// concurrency, so slot and decision documents are claimed this way, never read-then-written.
import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';

const DUPLICATE_KEY = 11000;

/** Inserts `doc`; false, and nothing written, when a document with its _id is there already. */
export async function insertOnce<T extends Document>(collection: Collection<T>, doc: OptionalUnlessRequiredId<T>): Promise<boolean> {
  try {
    await collection.insertOne(doc);
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === DUPLICATE_KEY) return false;
    throw err;
  }
}
