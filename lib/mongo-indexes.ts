// Creating a collection's indexes at start-up, idempotently, in the way both servers take it.
import type { Collection, Document, IndexDirection } from 'mongodb';

/** Index name → its keys, in order (1 ascending, -1 descending). */
export type IndexSpecs = Record<string, Record<string, IndexDirection>>;

/** Only the missing ones, one at a time: FerretDB 1.24 drops the connection when createIndexes is asked for existing ones. */
export async function createMissingIndexes<T extends Document>(collection: Collection<T>, indexes: IndexSpecs): Promise<void> {
  const existing = new Set(
    (await collection.listIndexes().toArray().catch((err) => {
      if ((err as { code?: number }).code === 26) return []; // the collection does not exist yet
      throw err;
    })).map((i) => i.name as string),
  );
  for (const [name, key] of Object.entries(indexes)) {
    if (!existing.has(name)) await collection.createIndex(key, { name });
  }
}
