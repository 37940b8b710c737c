// Read-only MongoDB activities, for sweeps and lookups. Reads change nothing, so a retry is
// harmless and no idempotency key is needed; the result is bounded so it fits in history.
import type { ActivityRequest } from '../engine/contract';
import { type ActivityDeps, badArguments, requireString } from './effects';
import { FIND_DEFAULT_LIMIT, FIND_MAX_LIMIT } from '../engine/activity-catalog';
import { APPLIED_OPS_FIELD } from './effect-record';

export interface FindResult {
  documents: Record<string, unknown>[];
  count: number;
  /** true when the limit cut the result: there may be more to read next time. */
  limited: boolean;
}

function optionalObject(args: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = args[name];
  if (value === undefined) return undefined;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw badArguments('mongo.find', `"${name}" must be an object`);
  return value as Record<string, unknown>;
}

export function mongoReadActivities(deps: Pick<ActivityDeps, 'db'>) {
  return {
    async 'mongo.find'({ args }: ActivityRequest): Promise<FindResult> {
      const collection = deps.db.collection(requireString('mongo.find', args, 'collection'));
      const limit = args.limit === undefined ? FIND_DEFAULT_LIMIT : Number(args.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > FIND_MAX_LIMIT) throw badArguments('mongo.find', `"limit" must be a whole number from 1 to ${FIND_MAX_LIMIT}, got ${JSON.stringify(args.limit)}`);
      const sort = optionalObject(args, 'sort');
      if (sort && Object.values(sort).some((v) => v !== 1 && v !== -1)) throw badArguments('mongo.find', '"sort" values must be 1 (ascending) or -1 (descending)');
      const found = await collection
        .find(optionalObject(args, 'filter') ?? {}, { projection: optionalObject(args, 'projection'), sort: sort as Record<string, 1 | -1> | undefined, limit })
        .toArray();
      // The bookkeeping field of idempotent writes is ours, not the flow's.
      const documents = found.map(({ [APPLIED_OPS_FIELD]: _ops, ...doc }) => doc);
      return { documents, count: documents.length, limited: documents.length === limit };
    },
  };
}
