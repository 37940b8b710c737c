// Reading deliveries: a filtered page of summaries, one record with its runs' current Temporal
// status and a link to each run in the Temporal UI, and rejections grouped by reason.
import type { Client } from '@temporalio/client';
import type { Collection } from 'mongodb';
import type { DeliveryRecord, RecordedRun } from '../../lib/deliveries/record';
import { type DeliveryFilter, type Page, encodeCursor, toMongoFilter } from './filters';

export interface AdminContext {
  deliveries: Collection<DeliveryRecord>;
  client: Client;
  namespace: string;
  /** Base URL of the Temporal Web UI, for links. */
  temporalUiUrl: string;
}

/** Bodies stay out of lists; `show` has them. */
const SUMMARY_PROJECTION = { body: 0, relay: 0 } as const;
const DESCRIBE_DEADLINE_MS = 5000;

export async function listDeliveries(ctx: AdminContext, filter: DeliveryFilter, page: Page) {
  const items = await ctx.deliveries
    .find(toMongoFilter(filter, page), { projection: SUMMARY_PROJECTION })
    .sort({ receivedAt: -1, _id: -1 })
    .limit(page.limit + 1)
    .toArray();
  const more = items.length > page.limit;
  const shown = items.slice(0, page.limit);
  return { items: shown, ...(more && { nextCursor: encodeCursor(shown[shown.length - 1]) }) };
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
  const { replays, ...rest } = record;
  const all: (RecordedRun & { replayOf?: string; replayedAt?: Date; jobId?: string })[] = [
    ...record.runs,
    ...(replays ?? []).flatMap((r) => r.runs.map((run) => ({ ...run, replayedAt: r.at, jobId: r.jobId }))),
  ];
  const runs = await Promise.all(all.map(async (run) => ({ ...run, ...(await runStatus(ctx.client, run.workflowId, run.runId)), link: runLink(ctx, run.workflowId, run.runId) })));
  return { ...rest, runs };
}

export interface RejectionGroup { source: string; reason: string; count: number; lastAt: Date; lastMessage?: string; lastDeliveryId: string }

/** Rejections by source and reason, most recent first: a wrong secret or a schema change shows as one line. */
export async function rejectionSummary(ctx: AdminContext, filter: DeliveryFilter): Promise<RejectionGroup[]> {
  const groups = await ctx.deliveries.aggregate<{ _id: { source: string; reason: string }; count: number; lastAt: Date }>([
    { $match: toMongoFilter({ ...filter, outcome: 'rejected' }) },
    { $group: { _id: { source: '$source', reason: '$reason' }, count: { $sum: 1 }, lastAt: { $max: '$receivedAt' } } },
    { $sort: { lastAt: -1 } },
    { $limit: 100 },
  ]).toArray();
  return Promise.all(groups.map(async (g) => {
    const last = await ctx.deliveries.findOne({ source: g._id.source, reason: g._id.reason, outcome: 'rejected', receivedAt: g.lastAt }, { projection: { message: 1 } });
    return { source: g._id.source, reason: g._id.reason, count: g.count, lastAt: g.lastAt, lastMessage: last?.message, lastDeliveryId: last?._id ?? '' };
  }));
}
