// Bulk replay: every delivery matching a filter, e.g. "each run of flow X that failed since
// 09:00". A dry run counts; a real one is a job whose progress is kept in MongoDB (so any ingress
// replica can report and stop it), replaying a few deliveries at a time, stopping when asked.
// A job whose process died stops moving: it then reads as "interrupted" (see docs/operations.md).
import { randomUUID } from 'node:crypto';
import type { Db, Filter } from 'mongodb';
import type { Logger } from 'pino';
import { HookflowError, errorText } from '../../lib/errors';
import { searchAttributes } from '../../engine/contract';
import { type DeliveryRecord, type Outcome, originalId, ownRun } from '../deliveries';
import { BadQueryError, type DeliveryFilter, toMongoFilter } from './filters';
import { replayDelivery, type ReplayContext } from './replay';
import { insertOnce } from '../../lib/insert-once';

export const REPLAY_JOBS_COLLECTION = 'hookflow_replay_jobs';
export const REPLAY_STOPS_COLLECTION = 'hookflow_replay_stops';
const MAX_BULK = 10_000;
const MAX_ERRORS_KEPT = 50;
const HEARTBEAT_MS = 5000;
/** A running job not heard of for this long lost its process. */
const STALE_MS = 30_000;
const RUN_STATUSES = { failed: 'Failed', timedout: 'TimedOut', terminated: 'Terminated', canceled: 'Canceled', completed: 'Completed', running: 'Running' } as const;

export type RunStatus = keyof typeof RUN_STATUSES;

export interface BulkFilter extends DeliveryFilter {
  /** Select by the current status of the runs in Temporal instead of the delivery records. */
  status?: RunStatus;
  /** The issue the job replays (server/admin/issues/); its selection was made there. */
  issue?: string;
}

export interface ReplayJob {
  _id: string;
  filter: BulkFilter;
  state: 'running' | 'stopped' | 'finished' | 'interrupted';
  total: number;
  done: number;
  failed: number;
  errors: { deliveryId: string; message: string }[];
  stopRequested: boolean;
  concurrency: number;
  createdAt: Date;
  heartbeatAt: Date;
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
export function visibilityQuery(filter: BulkFilter & { status: RunStatus }): string {
  const parts = [`ExecutionStatus = "${RUN_STATUSES[filter.status]}"`];
  if (filter.flow) parts.push(`${searchAttributes.flow.name} = ${quoted(filter.flow, 'flow')}`);
  if (filter.source) parts.push(`${searchAttributes.source.name} = ${quoted(filter.source, 'source')}`);
  if (filter.eventType) parts.push(`${searchAttributes.eventType.name} = ${quoted(filter.eventType, 'eventType')}`);
  if (filter.eventId) parts.push(`${searchAttributes.eventId.name} = ${quoted(filter.eventId, 'eventId')}`);
  if (filter.since) parts.push(`StartTime >= "${filter.since.toISOString()}"`);
  if (filter.until) parts.push(`StartTime <= "${filter.until.toISOString()}"`);
  return parts.join(' AND ');
}

/** Delivery id → the flows to replay (undefined: every current flow that matches the event). */
export type Selection = Map<string, string[] | undefined>;

async function select(ctx: ReplayContext, filter: BulkFilter): Promise<Selection> {
  const selected: Selection = new Map();
  if (filter.status) {
    if (filter.outcome || filter.reason || filter.q) throw new BadQueryError('"status" selects runs in Temporal; it cannot be combined with "outcome", "reason" or "q"');
    // Only the flows whose run is in that status: a sibling flow that completed is not run again.
    const found: { deliveryId: string; flow: string; workflowId: string; runId: string }[] = [];
    for await (const run of ctx.client.workflow.list({ query: visibilityQuery({ ...filter, status: filter.status }) })) {
      const source = run.typedSearchAttributes.get(searchAttributes.source);
      const eventId = run.typedSearchAttributes.get(searchAttributes.eventId);
      const flow = run.typedSearchAttributes.get(searchAttributes.flow);
      if (source && eventId && flow) found.push({ deliveryId: originalId(source, eventId), flow, workflowId: run.workflowId, runId: run.runId });
      if (found.length > MAX_BULK * 4) break;
    }
    const latest = await latestRuns(ctx, [...new Set(found.map((f) => f.deliveryId))]);
    for (const f of found) {
      // A run that has been replayed since is not selected again (its latest replay speaks for it).
      // A correlated flow's replay keeps the workflow id: there the run id tells them apart.
      const newest = latest.get(`${f.deliveryId}\u0000${f.flow}`);
      if (newest?.workflowId !== f.workflowId || (newest.runId && newest.runId !== f.runId)) continue;
      selected.set(f.deliveryId, [...new Set([...(selected.get(f.deliveryId) ?? []), f.flow])]);
    }
  } else {
    if (filter.outcome === 'rejected' || filter.outcome === 'duplicate') throw new BadQueryError('only accepted, ignored or rate_limited deliveries can be replayed; rejected ones never ran and duplicates replay through their original');
    // A rate-limited event is replayed on purpose: replays are never rate limited.
    const replayable: Outcome[] = ['accepted', 'ignored', 'rate_limited'];
    const query: Filter<DeliveryRecord> = { $and: [toMongoFilter(filter), { outcome: { $in: replayable } }] };
    for await (const d of ctx.deliveries.find(query, { projection: { _id: 1 } }).sort({ receivedAt: 1 })) {
      selected.set(d._id, filter.flow ? [filter.flow] : undefined);
      if (selected.size > MAX_BULK) break;
    }
  }
  if (selected.size > MAX_BULK) throw new BadQueryError(`more than ${MAX_BULK} deliveries match; narrow the filter (e.g. since/until)`);
  return selected;
}

/** "<delivery id>\0<flow>" → the newest run of that flow for the delivery. */
export async function latestRuns(ctx: ReplayContext, ids: string[]): Promise<Map<string, { workflowId: string; runId?: string }>> {
  const latest = new Map<string, { workflowId: string; runId?: string }>();
  for (let i = 0; i < ids.length; i += 500) {
    for await (const d of ctx.deliveries.find({ _id: { $in: ids.slice(i, i + 500) } }, { projection: { runs: 1, replays: 1, absorbed: 1 } })) {
      for (const run of [...d.runs.map((r) => ({ ...r, absorbed: d.absorbed?.[r.flow] })), ...(d.replays ?? []).flatMap((r) => r.runs)]) {
        const { workflowId, runId } = ownRun(run, 'absorbed' in run ? run.absorbed : undefined);
        latest.set(`${d._id}\u0000${run.flow}`, { workflowId, runId });
      }
    }
  }
  return latest;
}

export interface BulkReplays {
  plan(filter: BulkFilter): Promise<{ matched: number; sample: string[] }>;
  start(filter: BulkFilter): Promise<ReplayJob>;
  /** A job on deliveries chosen by the caller; `filter` only describes them. */
  startSelection(selection: Selection, filter: BulkFilter): Promise<ReplayJob>;
  get(id: string): Promise<ReplayJob>;
  stop(id: string): Promise<ReplayJob>;
  /** Waits for the jobs this process runs (tests and shutdown). */
  idle(): Promise<void>;
}

/** A stop request is its own document: the job's runner rewrites the job document while it works. */
interface StopRequest { _id: string; at: Date }

export function bulkReplays(ctx: ReplayContext, db: Db, log: Logger, concurrency: number): BulkReplays {
  const jobs = db.collection<ReplayJob>(REPLAY_JOBS_COLLECTION);
  const stops = db.collection<StopRequest>(REPLAY_STOPS_COLLECTION);
  const running = new Set<Promise<void>>();

  async function get(id: string): Promise<ReplayJob> {
    const job = await jobs.findOne({ _id: id });
    if (!job) throw new HookflowError('replay_job_not_found', 404, `no replay job with id "${id.slice(0, 200)}"`);
    const stopRequested = job.stopRequested || (job.state === 'running' && !!(await stops.findOne({ _id: id })));
    if (job.state === 'running' && Date.now() - job.heartbeatAt.getTime() > STALE_MS) return { ...job, stopRequested, state: 'interrupted' };
    return { ...job, stopRequested };
  }

  async function run(job: ReplayJob, selection: Selection): Promise<void> {
    const queue = [...selection];
    // This process is the job's only writer: progress is counted here and $set (FerretDB 1.24's
    // $inc is not atomic under concurrent writers).
    const progress = { done: 0, failed: 0, errors: [] as ReplayJob['errors'] };
    let stopped = false;
    const save = (extra: Partial<ReplayJob> = {}) => jobs.updateOne({ _id: job._id }, { $set: { ...progress, heartbeatAt: new Date(), ...extra } });
    const heartbeat = setInterval(() => void save().catch(() => undefined), HEARTBEAT_MS);
    async function worker(): Promise<void> {
      for (let next = queue.shift(); next && !stopped; next = queue.shift()) {
        if (await stops.findOne({ _id: job._id })) {
          stopped = true;
          return;
        }
        const [deliveryId, flows] = next;
        try {
          await replayDelivery(ctx, deliveryId, { flows, jobId: job._id });
        } catch (err) {
          progress.failed++;
          if (progress.errors.length < MAX_ERRORS_KEPT) progress.errors.push({ deliveryId, message: err instanceof HookflowError ? err.message : errorText(err) });
        }
        progress.done++;
        await save();
      }
    }
    try {
      await Promise.all(Array.from({ length: Math.min(job.concurrency, Math.max(queue.length, 1)) }, worker));
    } finally {
      clearInterval(heartbeat);
    }
    const state = stopped ? 'stopped' : 'finished';
    await save({ state, stopRequested: stopped, finishedAt: new Date() });
    log.info({ jobId: job._id, state, total: job.total, done: progress.done, failed: progress.failed }, `bulk replay ${state}`);
  }

  async function launch(filter: BulkFilter, selection: Selection): Promise<ReplayJob> {
    const now = new Date();
    const job: ReplayJob = { _id: randomUUID(), filter, state: 'running', total: selection.size, done: 0, failed: 0, errors: [], stopRequested: false, concurrency, createdAt: now, heartbeatAt: now };
    await jobs.insertOne(job);
    log.info({ jobId: job._id, total: job.total, filter }, 'bulk replay started');
    const done = run(job, selection).catch(async (err) => {
      log.error({ jobId: job._id, err: errorText(err) }, 'bulk replay aborted');
      await jobs.updateOne({ _id: job._id }, { $set: { state: 'stopped', finishedAt: new Date() } }).catch(() => undefined);
    });
    running.add(done);
    void done.finally(() => running.delete(done));
    return job;
  }

  return {
    async plan(filter) {
      const selection = await select(ctx, filter);
      return { matched: selection.size, sample: [...selection.keys()].slice(0, 10) };
    },
    async start(filter) {
      return launch(filter, await select(ctx, filter));
    },
    startSelection: (selection, filter) => launch(filter, selection),
    get,
    async stop(id) {
      if ((await get(id)).state === 'running') {
        await insertOnce(stops, { _id: id, at: new Date() }); // false: asked twice, one request stands
      }
      return get(id);
    },
    async idle() {
      await Promise.all(running);
    },
  };
}
