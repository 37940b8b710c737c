// Claiming by a unique _id insert in MongoDB: the one guarantee FerretDB 1.24 keeps under
// concurrency, so slot and decision documents are claimed this way, never read-then-written.
import { type Collection, type Document, MongoBulkWriteError, type OptionalUnlessRequiredId } from 'mongodb';

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

/**
 * Inserts `docs` in one unordered insertMany: each is inserted, taken (a document with its _id is
 * there already) or refused on its own (its write error). A failure that cannot be pinned on one
 * document (no connection, a write concern error, counts that do not add up) is thrown.
 */
export async function insertEachOnce<T extends Document>(collection: Collection<T>, docs: OptionalUnlessRequiredId<T>[]): Promise<('inserted' | 'taken' | { errmsg?: string; code?: unknown })[]> {
  try {
    await collection.insertMany(docs, { ordered: false });
    return docs.map(() => 'inserted');
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError) || err.writeConcernError) throw err;
    const errors = new Map([err.writeErrors].flat().map((e) => [e.index, e]));
    if (err.result.insertedCount + errors.size !== docs.length) throw err;
    return docs.map((_, i) => {
      const e = errors.get(i);
      if (!e) return 'inserted';
      return isDuplicateKey(e) ? 'taken' : e;
    });
  }
}
