// Bulk replay: every delivery matching a filter, e.g. "each run of flow X that failed since
// 09:00". A dry run counts; a real one is a job whose progress is kept in MongoDB (so any
// ingress replica can report it) and which stops between two items when asked.
import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import type { Logger } from 'pino';
import { HookflowError } from '../../lib/errors';
import { searchAttributes } from '../../lib/contract';
import { originalId } from '../../lib/deliveries/record';
import { BadQueryError, type DeliveryFilter, toMongoFilter } from './filters';
import { replayDelivery, type ReplayContext } from './replay';

export const REPLAY_JOBS_COLLECTION = 'hookflow_replay_jobs';
const MAX_BULK = 10_000;
const MAX_ERRORS_KEPT = 50;
const RUN_STATUSES = { failed: 'Failed', timedout: 'TimedOut', terminated: 'Terminated', canceled: 'Canceled', completed: 'Completed', running: 'Running' } as const;

export type RunStatus = keyof typeof RUN_STATUSES;

export interface BulkFilter extends DeliveryFilter {
  /** Select by the current status of the runs in Temporal instead of the delivery outcome. */
  status?: RunStatus;
}

export interface ReplayJob {
  _id: string;
  filter: BulkFilter;
  state: 'running' | 'stopped' | 'finished';
  total: number;
  done: number;
  failed: number;
  errors: { deliveryId: string; message: string }[];
  stopRequested: boolean;
  createdAt: Date;
  finishedAt?: Date;
}

export function parseRunStatus(value: string | undefined): RunStatus | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(value in RUN_STATUSES)) throw new BadQueryError(`"status" must be one of ${Object.keys(RUN_STATUSES).join(', ')}, got "${value}"`);
  return value as RunStatus;
}

function quoted(value: string, name: string): string {
  if (!/^[\w.:@/-]+$/.test(value)) throw new BadQueryError(`"${name}" may only hold letters, digits and . : @ / - _`);
  return `"${value}"`;
}

/** A Temporal visibility query for runs in a status, narrowed by the other filters. */
export function visibilityQuery(filter: BulkFilter): string {
  const parts = [`ExecutionStatus = "${RUN_STATUSES[filter.status!]}"`];
  if (filter.flow) parts.push(`${searchAttributes.flow.name} = ${quoted(filter.flow, 'flow')}`);
  if (filter.source) parts.push(`${searchAttributes.source.name} = ${quoted(filter.source, 'source')}`);
  if (filter.eventType) parts.push(`${searchAttributes.eventType.name} = ${quoted(filter.eventType, 'eventType')}`);
  if (filter.eventId) parts.push(`${searchAttributes.eventId.name} = ${quoted(filter.eventId, 'eventId')}`);
  if (filter.since) parts.push(`StartTime >= "${filter.since.toISOString()}"`);
  if (filter.until) parts.push(`StartTime <= "${filter.until.toISOString()}"`);
  return parts.join(' AND ');
}

async function selectDeliveryIds(ctx: ReplayContext, filter: BulkFilter): Promise<string[]> {
  const ids = new Set<string>();
  if (filter.status) {
    for await (const run of ctx.client.workflow.list({ query: visibilityQuery(filter) })) {
      const source = run.typedSearchAttributes.get(searchAttributes.source);
      const eventId = run.typedSearchAttributes.get(searchAttributes.eventId);
      if (source && eventId) ids.add(originalId(source, eventId));
      if (ids.size > MAX_BULK) break;
    }
  } else {
    const cursor = ctx.deliveries.find({ $and: [toMongoFilter(filter), { outcome: { $in: ['accepted', 'ignored'] } }] }, { projection: { _id: 1 } }).sort({ receivedAt: 1 });
    for await (const d of cursor) {
      ids.add(d._id);
      if (ids.size > MAX_BULK) break;
    }
  }
  if (ids.size > MAX_BULK) throw new BadQueryError(`more than ${MAX_BULK} deliveries match; narrow the filter (e.g. since/until)`);
  return [...ids];
}

export interface BulkReplays {
  plan(filter: BulkFilter): Promise<{ matched: number; sample: string[] }>;
  start(filter: BulkFilter): Promise<ReplayJob>;
  get(id: string): Promise<ReplayJob>;
  stop(id: string): Promise<ReplayJob>;
}

export function bulkReplays(ctx: ReplayContext, jobs: Collection<ReplayJob>, log: Logger): BulkReplays {
  async function get(id: string): Promise<ReplayJob> {
    const job = await jobs.findOne({ _id: id });
    if (!job) throw new HookflowError('replay_job_not_found', 404, `no replay job with id "${id}"`);
    return job;
  }

  async function run(job: ReplayJob, ids: string[]): Promise<void> {
    for (const deliveryId of ids) {
      if ((await get(job._id)).stopRequested) {
        await jobs.updateOne({ _id: job._id }, { $set: { state: 'stopped', finishedAt: new Date() } });
        log.info({ jobId: job._id }, 'bulk replay stopped');
        return;
      }
      try {
        await replayDelivery(ctx, deliveryId, { flow: job.filter.flow, jobId: job._id });
        await jobs.updateOne({ _id: job._id }, { $inc: { done: 1 } });
      } catch (err) {
        const message = (err as Error).message;
        await jobs.updateOne({ _id: job._id }, { $inc: { done: 1, failed: 1 }, $push: { errors: { $each: [{ deliveryId, message }], $slice: MAX_ERRORS_KEPT } } } as never);
      }
    }
    await jobs.updateOne({ _id: job._id }, { $set: { state: 'finished', finishedAt: new Date() } });
    log.info({ jobId: job._id, total: ids.length }, 'bulk replay finished');
  }

  return {
    async plan(filter) {
      const ids = await selectDeliveryIds(ctx, filter);
      return { matched: ids.length, sample: ids.slice(0, 10) };
    },
    async start(filter) {
      const ids = await selectDeliveryIds(ctx, filter);
      const job: ReplayJob = { _id: randomUUID(), filter, state: 'running', total: ids.length, done: 0, failed: 0, errors: [], stopRequested: false, createdAt: new Date() };
      await jobs.insertOne(job);
      log.info({ jobId: job._id, total: ids.length, filter }, 'bulk replay started');
      void run(job, ids).catch(async (err) => {
        log.error({ jobId: job._id, err: (err as Error).message }, 'bulk replay aborted');
        await jobs.updateOne({ _id: job._id }, { $set: { state: 'stopped', finishedAt: new Date() } }).catch(() => undefined);
      });
      return job;
    },
    get,
    async stop(id) {
      await get(id);
      await jobs.updateOne({ _id: id, state: 'running' }, { $set: { stopRequested: true } });
      return get(id);
    },
  };
}
