// MongoDB activities. Each write is idempotent across retries without transactions: the
// operation's idempotency key is recorded in the same document, in the same atomic update,
// so a retry after a crash finds the key and applies nothing.
import { ApplicationFailure } from '@temporalio/activity';
import { MongoServerError } from 'mongodb';
import type { ActivityRequest } from '../engine/contract';
import { type ActivityDeps, effectApplied, requireObject, requireString } from './effects';

/** Field holding the keys of the last operations applied to a document. */
export const APPLIED_OPS_FIELD = '_hookflowOps';
const APPLIED_OPS_KEPT = 50;

export interface WriteResult {
  applied: boolean;
  /** true when a previous attempt had already applied this operation. */
  alreadyApplied: boolean;
  upsertedId?: unknown;
}

/** The bookkeeping field is ours, not the flow's (FerretDB has no projection on findAndModify). */
function withoutOps<T extends object>(doc: T | null): T | null {
  if (!doc) return null;
  const { [APPLIED_OPS_FIELD]: _ops, ...rest } = doc as Record<string, unknown>;
  return rest as T;
}

function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

export function mongoActivities(deps: ActivityDeps) {
  return {
    async 'mongo.updateOne'({ args, idempotencyKey }: ActivityRequest): Promise<WriteResult> {
      const name = 'mongo.updateOne';
      const collection = deps.db.collection(requireString(name, args, 'collection'));
      const filter = requireObject(name, args, 'filter');
      const update = requireObject(name, args, 'update');
      const upsert = args.upsert === true;
      const push = { ...(update.$push as object | undefined), [APPLIED_OPS_FIELD]: { $each: [idempotencyKey], $slice: -APPLIED_OPS_KEPT } };
      const guardedFilter = { ...filter, [APPLIED_OPS_FIELD]: { $ne: idempotencyKey } };
      let result;
      try {
        result = await collection.updateOne(guardedFilter, { ...update, $push: push } as never, { upsert });
      } catch (err) {
        // An upsert whose document exists with our key collides on _id: it was applied before.
        if (upsert && isDuplicateKey(err)) return finish({ applied: false, alreadyApplied: true });
        throw err;
      }
      if (result.matchedCount === 1 || result.upsertedCount === 1) {
        return finish({ applied: true, alreadyApplied: false, upsertedId: result.upsertedId ?? undefined });
      }
      const appliedBefore = await collection.countDocuments({ ...filter, [APPLIED_OPS_FIELD]: idempotencyKey }, { limit: 1 });
      if (appliedBefore) return finish({ applied: false, alreadyApplied: true });
      // Retryable: the document may not exist *yet* (an event racing the write that creates it).
      throw ApplicationFailure.retryable(`${name}: no document in ${collection.collectionName} matches ${JSON.stringify(filter)}`, 'DocumentNotFound');

      async function finish(r: WriteResult): Promise<WriteResult> {
        await effectApplied(deps, name, idempotencyKey);
        return r;
      }
    },

    async 'mongo.insertOne'({ args, idempotencyKey }: ActivityRequest): Promise<WriteResult> {
      const name = 'mongo.insertOne';
      const collection = deps.db.collection(requireString(name, args, 'collection'));
      const document = requireObject(name, args, 'document');
      // Without an explicit _id, the key itself is the _id: a second insert collides and is recognised.
      const doc = { _id: idempotencyKey as unknown, ...document, [APPLIED_OPS_FIELD]: [idempotencyKey] };
      let r: WriteResult;
      try {
        const res = await collection.insertOne(doc as never);
        r = { applied: true, alreadyApplied: false, upsertedId: res.insertedId };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const mine = await collection.countDocuments({ _id: doc._id as never, [APPLIED_OPS_FIELD]: idempotencyKey }, { limit: 1 });
        if (!mine) throw ApplicationFailure.nonRetryable(`${name}: a different document with _id ${JSON.stringify(doc._id)} exists`, 'DuplicateKey');
        r = { applied: false, alreadyApplied: true };
      }
      await effectApplied(deps, name, idempotencyKey);
      return r;
    },

    /**
     * Update with operators and return the document. Idempotent like updateOne: a retry after the
     * write finds its key in the document and returns the document as it is now (alreadyApplied).
     */
    async 'mongo.findOneAndUpdate'({ args, idempotencyKey }: ActivityRequest): Promise<{ document: unknown; alreadyApplied: boolean }> {
      const name = 'mongo.findOneAndUpdate';
      const collection = deps.db.collection(requireString(name, args, 'collection'));
      const filter = requireObject(name, args, 'filter');
      const update = requireObject(name, args, 'update');
      const upsert = args.upsert === true;
      const returnDocument = args.returnDocument === 'before' ? 'before' : 'after';
      const push = { ...(update.$push as object | undefined), [APPLIED_OPS_FIELD]: { $each: [idempotencyKey], $slice: -APPLIED_OPS_KEPT } };
      let doc;
      let collided = false;
      try {
        doc = await collection.findOneAndUpdate({ ...filter, [APPLIED_OPS_FIELD]: { $ne: idempotencyKey } }, { ...update, $push: push } as never, { upsert, returnDocument });
      } catch (err) {
        // An upsert whose document exists with our key collides on _id: it was applied before.
        if (!(upsert && isDuplicateKey(err))) throw err;
        collided = true;
      }
      if (doc) return finish({ document: withoutOps(doc), alreadyApplied: false });
      const current = withoutOps(await collection.findOne({ ...filter, [APPLIED_OPS_FIELD]: idempotencyKey }));
      // An upsert that just inserted has no "before" document.
      if (current && upsert && returnDocument === 'before' && !collided) return finish({ document: null, alreadyApplied: false });
      if (current) return finish({ document: current, alreadyApplied: true });
      throw ApplicationFailure.retryable(`${name}: no document in ${collection.collectionName} matches ${JSON.stringify(filter)}`, 'DocumentNotFound');

      async function finish<T>(r: T): Promise<T> {
        await effectApplied(deps, name, idempotencyKey);
        return r;
      }
    },
  };
}
