// Reading deliveries: a filtered page of summaries, one record with its runs' current Temporal
// status and a link to each run in the Temporal UI, and rejections grouped by reason.
import type { Client } from '@temporalio/client';
import type { Collection, Filter } from 'mongodb';
import { type AbsorbedRecord, type DeliveryRecord, type RecordedRun, ownRun } from '../deliveries';
import type { RejectionCount } from '../deliveries';
import { type DeliveryFilter, type Page, encodeCursor, toMongoFilter } from './filters';

export interface AdminContext {
  deliveries: Collection<DeliveryRecord>;
  client: Client;
  namespace: string;
  /** Base URL of the Temporal Web UI, for links. */
  temporalUiUrl: string;
  /** The rejection counters; `flush` (when this process counts too) writes its pending counts first. */
  rejections: { collection: Collection<RejectionCount>; flush?: () => Promise<void> };
}

/** Bodies stay out of lists; `show` has them. */
const SUMMARY_PROJECTION = { body: 0 } as const;

/** Of the relay state, what a person reads: an event not started yet, or never to be, and why. */
function startState(record: DeliveryRecord) {
  const { relay, ...rest } = record;
  if (relay?.state === 'failed') return { ...rest, start: { state: 'failed' as const, reason: relay.failedReason ?? 'unknown', message: relay.lastError, at: relay.failedAt } };
  if (relay?.state === 'pending') return { ...rest, start: { state: 'pending' as const, attempts: relay.attempts, lastError: relay.lastError } };
  return rest;
}
const DESCRIBE_DEADLINE_MS = 5000;

export async function listDeliveries(ctx: AdminContext, filter: DeliveryFilter, page: Page) {
  const items = await ctx.deliveries
    .find(toMongoFilter(filter, page), { projection: SUMMARY_PROJECTION })
    .sort({ receivedAt: -1, _id: -1 })
    .limit(page.limit + 1)
    .toArray();
  const more = items.length > page.limit;
  const shown = items.slice(0, page.limit);
  return { items: shown.map(startState), ...(more && { nextCursor: encodeCursor(shown[shown.length - 1]) }) };
}

export function runLink(ctx: Pick<AdminContext, 'temporalUiUrl' | 'namespace'>, workflowId: string, runId?: string): string {
  const base = `${ctx.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ctx.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

/** The run's status as Temporal tells it now (COMPLETED, RUNNING, FAILED, …), or why it is unknown. */
async function runStatus(client: Client, workflowId: string, runId?: string): Promise<{ status: string; closedAt?: Date }> {
  try {
    const d = await client.connection.withDeadline(Date.now() + DESCRIBE_DEADLINE_MS, () => client.workflow.getHandle(workflowId, runId).describe());
    return { status: d.status.name, closedAt: d.closeTime };
  } catch (err) {
    const message = (err as Error).message;
    return { status: /not found/i.test(message) ? 'NOT_FOUND' : `UNKNOWN (${message.slice(0, 200)})` };
  }
}

export async function showDelivery(ctx: AdminContext, id: string) {
  const record = await ctx.deliveries.findOne({ _id: id });
  if (!record) return undefined;
  const { replays, ...rest } = startState(record) as DeliveryRecord & ReturnType<typeof startState>;
  const all: (RecordedRun & { replayOf?: string; replayedAt?: Date; jobId?: string; absorbed?: AbsorbedRecord })[] = [
    ...record.runs.map((run) => ({ ...run, ...(record.absorbed?.[run.flow] && { absorbed: record.absorbed[run.flow] }) })),
    ...(replays ?? []).flatMap((r) => r.runs.map((run) => ({ ...run, replayedAt: r.at, jobId: r.jobId }))),
  ];
  const runs = await Promise.all(all.map(async (recorded) => {
    const run = { ...recorded, runId: undefined, ...ownRun(recorded, recorded.absorbed) };
    return { ...run, ...(await runStatus(ctx.client, run.workflowId, run.runId)), link: runLink(ctx, run.workflowId, run.runId) };
  }));
  return { ...rest, runs };
}

export interface RejectionGroup { source: string; reason: string; count: number; lastAt: Date; lastMessage?: string; lastDeliveryId?: string }

/** Minute counters looked at for one sum (newest first). */
const MAX_COUNTERS_SUMMED = 10_000;

/** The per-minute counters of one (source, reason) added up. */
export interface RejectionSum {
  source: string;
  reason: string;
  count: number;
  /** The oldest counter's minute: exact to the minute. */
  firstMinute: Date;
  lastAt: Date;
  /** The newest counter's message, and the newest sample kept. */
  lastMessage?: string;
  lastSampleId?: string;
}

/**
 * The rejection counters (server/deliveries/rejections.ts) summed per (source, reason), newest
 * counters first and at most MAX_COUNTERS_SUMMED of them (`truncated` says when more matched).
 * Grouped here rather than with $group: the same code on MongoDB and FerretDB, bounded by the limit.
 * Used by the rejection summary and by the rejection issues.
 */
export async function sumRejections(rejections: AdminContext['rejections'], filter: Filter<RejectionCount>): Promise<{ sums: RejectionSum[]; truncated: boolean }> {
  await rejections.flush?.(); // this process's counts not written yet
  const cursor = rejections.collection.find(filter).sort({ minute: -1, _id: -1 }).limit(MAX_COUNTERS_SUMMED + 1);
  const sums = new Map<string, RejectionSum>();
  let seen = 0;
  for await (const c of cursor) {
    if (++seen > MAX_COUNTERS_SUMMED) break;
    const key = `${c.source}\u0000${c.reason}`;
    const sum = sums.get(key);
    if (!sum) {
      sums.set(key, { source: c.source, reason: c.reason, count: c.count, firstMinute: c.minute, lastAt: c.lastAt, lastMessage: c.lastMessage, lastSampleId: c.lastSampleId });
      continue;
    }
    sum.count += c.count;
    if (c.minute < sum.firstMinute) sum.firstMinute = c.minute;
    if (c.lastAt > sum.lastAt) sum.lastAt = c.lastAt;
    sum.lastSampleId ??= c.lastSampleId;
  }
  return { sums: [...sums.values()], truncated: seen > MAX_COUNTERS_SUMMED };
}

/**
 * Rejections by source and reason, most recent first: a wrong secret or a schema change shows as
 * one line. Read from the per-minute counters, so `since` and `until` are exact to the minute;
 * `lastDeliveryId` is the newest sample kept.
 */
export async function rejectionSummary(ctx: AdminContext, filter: DeliveryFilter): Promise<{ groups: RejectionGroup[]; truncated: boolean }> {
  const and: Filter<RejectionCount>[] = [];
  if (filter.source) and.push({ source: filter.source });
  if (filter.reason) and.push({ reason: filter.reason });
  if (filter.since) and.push({ minute: { $gt: new Date(filter.since.getTime() - 60_000) } });
  if (filter.until) and.push({ minute: { $lte: filter.until } });
  const { sums, truncated } = await sumRejections(ctx.rejections, and.length ? { $and: and } : {});
  const groups: RejectionGroup[] = sums.map((s) => ({ source: s.source, reason: s.reason, count: s.count, lastAt: s.lastAt, lastMessage: s.lastMessage, lastDeliveryId: s.lastSampleId }));
  return { groups: groups.sort((a, b) => b.lastAt.getTime() - a.lastAt.getTime()), truncated };
}
