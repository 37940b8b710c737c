// Where an idempotent MongoDB write remembers that it was applied, without transactions.
// The write itself carries its idempotency key into the document (in the same atomic update), so
// a retry after a crash finds it there; right after, the key moves to hookflow_effects (one small
// record per effect, keyed by the idempotency key) and leaves the document. So the document only
// holds the keys of writes in flight (bounded by concurrency, however busy it is), and the check
// "applied already?" looks the key up by itself, never with the step's own filter.
import { mongoWrite } from './traced';
import type { Collection, Document } from 'mongodb';
import type { ActivityDeps } from './effects';
import { badArguments } from './effects';

/** The shared record of applied effects (emails and MongoDB writes), keyed by idempotency key. */
export const EFFECTS_COLLECTION = 'hookflow_effects';
/** Field holding the keys of writes to this document that are not yet recorded in hookflow_effects. */
export const APPLIED_OPS_FIELD = '_hookflowOps';

export interface EffectRecord {
  _id: string;
  kind: string;
  at: Date;
  [field: string]: unknown;
}

export function effects(deps: Pick<ActivityDeps, 'db'>): Collection<EffectRecord> {
  return deps.db.collection<EffectRecord>(EFFECTS_COLLECTION);
}

/**
 * The one document a write changes: its filter's `_id`. A filter without one, or with an operator
 * there ({$in: …}), could match several documents, so a retry could change another one, or an
 * upsert insert a second one: refused (flow validation says the same, definitions/argument-check.ts).
 */
export function documentId(activity: string, filter: Record<string, unknown>): unknown {
  const id = filter._id;
  const operator = id !== null && typeof id === 'object' && !Array.isArray(id) && Object.keys(id).some((k) => k.startsWith('$'));
  if (id === undefined || id === null || Array.isArray(id) || operator) {
    throw badArguments(activity, `"filter" must name one document by its _id (one value, not an operator), got _id ${JSON.stringify(id)}`);
  }
  return id;
}

export async function isRecorded(deps: Pick<ActivityDeps, 'db'>, idempotencyKey: string): Promise<boolean> {
  // find by _id alone, not countDocuments (an aggregation): FerretDB looks that up in its _id index.
  return (await effects(deps).findOne({ _id: idempotencyKey }, { projection: { _id: 1 } })) !== null;
}

/** Records the write as applied, then takes its key out of the document (in that order: a crash in between is safe). */
export async function recordWrite(deps: Pick<ActivityDeps, 'db'>, collection: Collection<Document>, id: unknown, idempotencyKey: string): Promise<void> {
  await mongoWrite('updateOne', EFFECTS_COLLECTION, () => effects(deps).updateOne(
    { _id: idempotencyKey },
    { $setOnInsert: { kind: 'mongo', collection: collection.collectionName, document: id, at: new Date() } },
    { upsert: true },
  ));
  await releaseKey(collection, id, idempotencyKey);
}

/** Takes a recorded write's key out of its document; harmless when it is not there. */
export async function releaseKey(collection: Collection<Document>, id: unknown, idempotencyKey: string): Promise<void> {
  await mongoWrite('updateOne', collection.collectionName, () => collection.updateOne({ _id: id as never, [APPLIED_OPS_FIELD]: idempotencyKey }, { $pull: { [APPLIED_OPS_FIELD]: idempotencyKey } } as never));
}

/** Whether the document still carries the key: the write landed but was not recorded yet. */
export async function keyInDocument(collection: Collection<Document>, id: unknown, idempotencyKey: string): Promise<boolean> {
  return (await collection.findOne({ _id: id as never, [APPLIED_OPS_FIELD]: idempotencyKey }, { projection: { _id: 1 } })) !== null;
}

/** The bookkeeping field is ours, not the flow's (FerretDB has no projection on findAndModify). */
export function withoutOps<T extends object>(doc: T | null): T | null {
  if (!doc) return null;
  const { [APPLIED_OPS_FIELD]: _ops, ...rest } = doc as Record<string, unknown>;
  return rest as T;
}

/**
 * Deletes effect records older than `before` (no TTL index on FerretDB): the record is needed only
 * while an attempt of its step can still run, which the retention period far outlasts. Records
 * from before `at` existed carry `sentAt`. Returns how many were deleted.
 */
export async function purgeEffectRecords(deps: Pick<ActivityDeps, 'db'>, before: Date): Promise<number> {
  const { deletedCount } = await effects(deps).deleteMany({ $or: [{ at: { $lt: before } }, { at: { $exists: false }, sentAt: { $lt: before } }] });
  return deletedCount;
}
