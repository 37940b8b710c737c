// Issues: failures grouped so that one cause reads as one line — rejections by (source, reason),
// failed runs by (flow, step, error type), reconciliation exhausted by flow — each with its count,
// first and last seen, a sample and a status people set. Replaying an issue replays the events of
// its failed runs through the bulk replay (server/admin/bulk-replay.ts). Outbound destinations
// paused or disabled are issues too, one per destination, with what to do (destinations.ts).
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { CLIENT_GONE_REASONS, HookflowError } from '../../../lib/errors';
import { type BulkReplays, type ReplayJob, type Selection, latestRuns } from '../bulk-replay';
import { sumRejections } from '../deliveries';
import { BadQueryError } from '../filters';
import type { ReplayContext } from '../replay';
import { type FailedRunScanner, failedRunScanner } from './scan';
import { destinationIssues } from './destinations';
import {
  ISSUE_KINDS, ISSUE_STATUSES, type IssueCollections, type IssueDoc, type IssueKey, type IssueKind, type IssueStatus,
  ISSUE_ID_PREFIX, effectiveStatus, issueCollections, issueId, issueTitle,
} from './store';

export interface Issue {
  id: string;
  kind: IssueKind;
  key: IssueKey;
  title: string;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  status: IssueStatus;
  sample: { deliveryId?: string; workflowId?: string; message: string };
  /** What to do about it (destination issues: resume it, retry what failed). */
  todo?: string[];
}

export interface IssueDelivery { deliveryId: string; eventId?: string; at: Date; workflowId?: string }

export class IssueNotFoundError extends HookflowError {
  constructor(id: string) { super('issue_not_found', 404, `no issue with id "${id.slice(0, 200)}"`); }
}

const DELIVERIES_SHOWN = 50;
/** Failed runs looked at for one replay (the bulk replay's own bound). */
const MAX_REPLAYED = 10_000;

export interface IssueFilter { status?: IssueStatus; kind?: IssueKind }

export function parseIssueFilter(query: Record<string, string | string[] | undefined>): IssueFilter {
  const status = one(query, 'status');
  const kind = one(query, 'kind');
  if (status !== undefined && !ISSUE_STATUSES.includes(status as IssueStatus)) throw new BadQueryError(`"status" must be one of ${ISSUE_STATUSES.join(', ')}, got "${status.slice(0, 50)}"`);
  if (kind !== undefined && !ISSUE_KINDS.includes(kind as IssueKind)) throw new BadQueryError(`"kind" must be one of ${ISSUE_KINDS.join(', ')}, got "${kind.slice(0, 50)}"`);
  return { status: status as IssueStatus | undefined, kind: kind as IssueKind | undefined };
}

export function parseIssueStatus(value: unknown): IssueStatus {
  if (typeof value !== 'string' || !ISSUE_STATUSES.includes(value as IssueStatus)) throw new BadQueryError(`"status" must be one of ${ISSUE_STATUSES.join(', ')}`);
  return value as IssueStatus;
}

function one(query: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) throw new BadQueryError(`"${name}" is given ${v.length} times; give it once`);
  return v === '' ? undefined : v;
}

export interface Issues {
  list(filter: IssueFilter): Promise<Issue[]>;
  show(id: string): Promise<Issue & { deliveries: IssueDelivery[] }>;
  setStatus(id: string, status: IssueStatus): Promise<Issue>;
  replay(id: string, opts: { dryRun: boolean }): Promise<{ dryRun: true; total: number; missing: number } | (ReplayJob & { id: string })>;
  scanner: FailedRunScanner;
}

export function createIssues(deps: { ctx: ReplayContext; db: Db; bulk: BulkReplays; log: Logger; retentionSeconds: number }): Issues {
  const { ctx, bulk } = deps;
  const store: IssueCollections = issueCollections(deps.db);
  const scanner = failedRunScanner({ client: ctx.client, store, log: deps.log, retentionSeconds: deps.retentionSeconds });

  async function rejectionIssues(docs: Map<string, IssueDoc>): Promise<Issue[]> {
    const { sums, truncated } = await sumRejections(ctx.rejections, {});
    if (truncated) deps.log.warn('issues: only the newest rejection counters were summed');
    // A slow or vanished client is not a problem to work on.
    return sums.filter((s) => !CLIENT_GONE_REASONS.includes(s.reason)).map((s) => {
      const key = { source: s.source, reason: s.reason };
      const id = issueId('rejection', key);
      return {
        id, kind: 'rejection', key, title: issueTitle('rejection', key), count: s.count, firstSeen: s.firstMinute, lastSeen: s.lastAt,
        status: effectiveStatus(docs.get(id), s.lastAt), sample: { ...(s.lastSampleId && { deliveryId: s.lastSampleId }), message: s.lastMessage ?? s.reason },
      };
    });
  }

  async function runIssue(doc: IssueDoc): Promise<Issue | undefined> {
    const [count, newest, oldest] = await Promise.all([
      store.runs.countDocuments({ issueId: doc._id }),
      store.runs.find({ issueId: doc._id }).sort({ at: -1 }).limit(1).next(),
      store.runs.find({ issueId: doc._id }, { projection: { at: 1 } }).sort({ at: 1 }).limit(1).next(),
    ]);
    if (!newest || !oldest) return undefined; // its runs are not stored yet (see scan.ts)
    return {
      id: doc._id, kind: doc.kind, key: doc.key, title: issueTitle(doc.kind, doc.key), count, firstSeen: oldest.at, lastSeen: newest.at,
      status: effectiveStatus(doc, newest.at),
      sample: { ...(newest.deliveryId && { deliveryId: newest.deliveryId }), workflowId: newest.workflowId, message: newest.message },
    };
  }

  async function all(kind?: IssueKind): Promise<Issue[]> {
    const docs = new Map((await store.issues.find(kind ? { kind } : {}).toArray()).map((d) => [d._id, d]));
    const found: Issue[] = [];
    if (!kind || kind === 'rejection') found.push(...(await rejectionIssues(docs)));
    if (!kind || kind === 'destination') found.push(...(await destinationIssues(deps.db, docs)));
    if (kind !== 'rejection' && kind !== 'destination') {
      // Temporal not answering must not hide what is known: the runs stored so far are shown.
      await scanner.scan().catch((err) => deps.log.warn({ err: (err as Error).message }, 'issues: could not look for new failed runs in Temporal'));
      const runDocs = (await store.issues.find(kind ? { kind } : { kind: { $in: ['run_failed', 'reconciliation_exhausted'] } }).toArray());
      for (const doc of runDocs) {
        const issue = await runIssue(doc);
        if (issue) found.push(issue);
      }
    }
    return found.sort((a, b) => b.lastSeen.getTime() - a.lastSeen.getTime());
  }

  async function get(id: string): Promise<Issue> {
    const kind = kindOf(id);
    if (!kind) throw new IssueNotFoundError(id);
    const issue = (await all(kind)).find((i) => i.id === id);
    if (!issue) throw new IssueNotFoundError(id);
    return issue;
  }

  async function deliveriesOf(issue: Issue): Promise<IssueDelivery[]> {
    if (issue.kind === 'destination') return []; // its outbound deliveries are on the Outbound page
    if (issue.kind === 'rejection') {
      const records = await ctx.deliveries.find({ outcome: 'rejected', source: issue.key.source, reason: issue.key.reason }, { projection: { _id: 1, eventId: 1, receivedAt: 1 } })
        .sort({ receivedAt: -1 }).limit(DELIVERIES_SHOWN).toArray();
      return records.map((r) => ({ deliveryId: r._id, ...(r.eventId && { eventId: r.eventId }), at: r.receivedAt }));
    }
    const runs = await store.runs.find({ issueId: issue.id, deliveryId: { $exists: true } }).sort({ at: -1 }).limit(DELIVERIES_SHOWN).toArray();
    return runs.map((r) => ({ deliveryId: r.deliveryId!, ...(r.eventId && { eventId: r.eventId }), at: r.at, workflowId: r.workflowId }));
  }

  /**
   * The deliveries whose latest run of the issue's flow is one of its failed runs; how many runs
   * had a delivery that is gone, and how many were not started by a delivery at all.
   */
  async function selection(issue: Issue): Promise<{ selected: Selection; missing: number; gone: number; notFromDelivery: number }> {
    const runs = await store.runs.find({ issueId: issue.id }).sort({ at: -1 }).limit(MAX_REPLAYED).toArray();
    const withDelivery = runs.filter((r) => r.deliveryId);
    const ids = [...new Set(withDelivery.map((r) => r.deliveryId!))];
    const latest = await latestRuns(ctx, ids);
    const selected: Selection = new Map();
    let missing = 0;
    const stored = new Set([...latest.keys()].map((k) => k.split('\u0000')[0]));
    for (const id of ids) if (!stored.has(id)) missing++;
    for (const r of withDelivery) {
      const newest = latest.get(`${r.deliveryId}\u0000${r.flow}`);
      // Replayed since (its newest run is another one): not selected again.
      if (newest?.workflowId !== r.workflowId || (newest.runId && newest.runId !== r.runId)) continue;
      selected.set(r.deliveryId!, [...new Set([...(selected.get(r.deliveryId!) ?? []), r.flow])]);
    }
    const notFromDelivery = runs.length - withDelivery.length;
    return { selected, missing: missing + notFromDelivery, gone: missing, notFromDelivery };
  }

  return {
    scanner,
    list: async (filter) => (await all(filter.kind)).filter((i) => !filter.status || i.status === filter.status),
    async show(id) {
      const issue = await get(id);
      return { ...issue, deliveries: await deliveriesOf(issue) };
    },
    async setStatus(id, status) {
      const issue = await get(id); // only issues that exist get a status
      await store.issues.updateOne({ _id: id }, { $set: { status, statusAt: new Date() }, $setOnInsert: { kind: issue.kind, key: issue.key } }, { upsert: true });
      return get(id);
    },
    async replay(id, opts) {
      const issue = await get(id);
      if (issue.kind === 'rejection') {
        throw new HookflowError('not_replayable', 409, `issue ${id} holds rejected requests (${issue.title}); a rejected event never ran and cannot be replayed — fix the cause, then have the provider send it again`);
      }
      if (issue.kind === 'destination') {
        throw new HookflowError('not_replayable', 409, `issue ${id} is an outbound destination (${issue.key.destination}): resume it, then retry its failed deliveries (hookflow outbound retry --destination ${issue.key.destination})`);
      }
      const { selected, missing, gone, notFromDelivery } = await selection(issue);
      if (selected.size === 0 && missing > 0) {
        // Say which: a delivery past retention, or a run no delivery started (it has none to replay).
        const why = [
          gone && `${gone} delivery(ies) are gone (past retention, or deleted)`,
          notFromDelivery && `${notFromDelivery} run(s) were not started by a delivery (a scheduled flow, or a correlated run started by a callback whose trigger never came: replay the trigger's delivery)`,
        ].filter(Boolean).join('; ');
        throw new HookflowError(gone ? 'issue_events_gone' : 'issue_runs_without_delivery', 409, `nothing of issue ${id} can be replayed: ${why}`);
      }
      if (opts.dryRun) return { dryRun: true as const, total: selected.size, missing };
      if (selected.size === 0) throw new HookflowError('nothing_to_replay', 409, `every failed run of issue ${id} has been replayed since; nothing left to replay`);
      const job = await bulk.startSelection(selected, { flow: issue.key.flow, issue: id });
      return { id: job._id, ...job };
    },
  };
}

/** An issue id starts with its kind's prefix ("rej-…", see issueId). */
function kindOf(id: string): IssueKind | undefined {
  return ISSUE_KINDS.find((k) => id.startsWith(`${ISSUE_ID_PREFIX[k]}-`));
}
