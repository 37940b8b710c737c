// MongoDB activities. Each write is idempotent across retries without transactions: the write
// names one document by _id and carries its idempotency key into it in the same atomic update;
// the key then moves to hookflow_effects (activities/effect-record.ts). A retry looks the key up
// there or in the document, by the key alone (the step's filter may no longer match its own write).
import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityRequest } from '../engine/contract';
import { type ActivityDeps, effectApplied, requireObject, requireString } from './effects';
import { APPLIED_OPS_FIELD, documentId, isRecorded, keyInDocument, recordWrite, releaseKey, withoutOps } from './effect-record';
import { isDuplicateKey } from '../lib/insert-once';
import { mongoWrite } from './traced';

export { APPLIED_OPS_FIELD } from './effect-record';

export interface WriteResult {
  applied: boolean;
  /** true when a previous attempt had already applied this operation. */
  alreadyApplied: boolean;
  upsertedId?: unknown;
}

/** The update plus the key, and the filter that skips a document already carrying it. */
function guarded(filter: Record<string, unknown>, update: Record<string, unknown>, idempotencyKey: string) {
  return {
    filter: { ...filter, [APPLIED_OPS_FIELD]: { $ne: idempotencyKey } },
    update: { ...update, $push: { ...(update.$push as object | undefined), [APPLIED_OPS_FIELD]: idempotencyKey } } as never,
  };
}

function notFound(name: string, collection: string, filter: unknown, collided: boolean): ApplicationFailure {
  // An upsert that collided on _id found a document with that _id that the rest of the filter excludes: retrying will not help.
  if (collided) return ApplicationFailure.nonRetryable(`${name}: a document with this _id exists in ${collection} but does not match ${JSON.stringify(filter)}`, 'UpsertConflict');
  // Retryable: the document may not exist *yet* (an event racing the write that creates it).
  return ApplicationFailure.retryable(`${name}: no document in ${collection} matches ${JSON.stringify(filter)}`, 'DocumentNotFound');
}

export function mongoActivities(deps: ActivityDeps) {
  return {
    async 'mongo.updateOne'({ args, idempotencyKey }: ActivityRequest): Promise<WriteResult> {
      const name = 'mongo.updateOne';
      const collection = deps.db.collection(requireString(name, args, 'collection'));
      const filter = requireObject(name, args, 'filter');
      const update = requireObject(name, args, 'update');
      const id = documentId(name, filter);
      const upsert = args.upsert === true;
      const already = () => finish({ applied: false, alreadyApplied: true });
      if (await isRecorded(deps, idempotencyKey)) {
        await releaseKey(collection, id, idempotencyKey); // the attempt that recorded it may have died before this
        return already();
      }
      const write = guarded(filter, update, idempotencyKey);
      let result;
      let collided = false;
      try {
        result = await mongoWrite('updateOne', collection.collectionName, () => collection.updateOne(write.filter, write.update, { upsert }));
      } catch (err) {
        // An upsert whose document exists (with our key, or not matching the filter) collides on _id.
        if (!(upsert && isDuplicateKey(err))) throw err;
        collided = true;
      }
      if (result && (result.matchedCount === 1 || result.upsertedCount === 1)) {
        await recordWrite(deps, collection, id, idempotencyKey);
        return finish({ applied: true, alreadyApplied: false, upsertedId: result.upsertedId ?? undefined });
      }
      if (await keyInDocument(collection, id, idempotencyKey)) {
        await recordWrite(deps, collection, id, idempotencyKey);
        return already();
      }
      if (await isRecorded(deps, idempotencyKey)) return already(); // another attempt finished meanwhile
      throw notFound(name, collection.collectionName, filter, collided);

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
      // The key stays in the inserted document (one entry): it is what tells a retry from a clash.
      const doc = { _id: idempotencyKey as unknown, ...document, [APPLIED_OPS_FIELD]: [idempotencyKey] };
      let r: WriteResult;
      try {
        const res = await mongoWrite('insertOne', collection.collectionName, () => collection.insertOne(doc as never));
        r = { applied: true, alreadyApplied: false, upsertedId: res.insertedId };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        if (!(await keyInDocument(collection, doc._id, idempotencyKey))) throw ApplicationFailure.nonRetryable(`${name}: a different document with _id ${JSON.stringify(doc._id)} exists`, 'DuplicateKey');
        r = { applied: false, alreadyApplied: true };
      }
      await effectApplied(deps, name, idempotencyKey);
      return r;
    },

    /**
     * Update with operators and return the document. Idempotent like updateOne: a retry after the
     * write finds its key and returns the document as it is now (alreadyApplied).
     */
    async 'mongo.findOneAndUpdate'({ args, idempotencyKey }: ActivityRequest): Promise<{ document: unknown; alreadyApplied: boolean }> {
      const name = 'mongo.findOneAndUpdate';
      const collection = deps.db.collection(requireString(name, args, 'collection'));
      const filter = requireObject(name, args, 'filter');
      const update = requireObject(name, args, 'update');
      const id = documentId(name, filter);
      const upsert = args.upsert === true;
      const returnDocument = args.returnDocument === 'before' ? 'before' : 'after';
      const current = async () => withoutOps(await collection.findOne({ _id: id as never }));
      if (await isRecorded(deps, idempotencyKey)) {
        await releaseKey(collection, id, idempotencyKey);
        return finish({ document: await current(), alreadyApplied: true });
      }
      const write = guarded(filter, update, idempotencyKey);
      let doc;
      let collided = false;
      try {
        doc = await mongoWrite('findOneAndUpdate', collection.collectionName, () => collection.findOneAndUpdate(write.filter, write.update, { upsert, returnDocument }));
      } catch (err) {
        if (!(upsert && isDuplicateKey(err))) throw err;
        collided = true;
      }
      if (doc) {
        await recordWrite(deps, collection, id, idempotencyKey);
        return finish({ document: withoutOps(doc), alreadyApplied: false });
      }
      if (await keyInDocument(collection, id, idempotencyKey)) {
        await recordWrite(deps, collection, id, idempotencyKey);
        // An upsert that just inserted has no "before" document.
        if (upsert && returnDocument === 'before' && !collided) return finish({ document: null, alreadyApplied: false });
        return finish({ document: await current(), alreadyApplied: true });
      }
      if (await isRecorded(deps, idempotencyKey)) return finish({ document: await current(), alreadyApplied: true });
      throw notFound(name, collection.collectionName, filter, collided);

      async function finish<T>(r: T): Promise<T> {
        await effectApplied(deps, name, idempotencyKey);
        return r;
      }
    },
  };
}
