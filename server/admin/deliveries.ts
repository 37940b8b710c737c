// Reading deliveries: a filtered page of summaries, or one record with its runs' current
// Temporal status and a link to each run in the Temporal UI.
import type { Client } from '@temporalio/client';
import type { Collection } from 'mongodb';
import type { DeliveryRecord } from '../../lib/deliveries/record';
import { type DeliveryFilter, type Page, encodeCursor, toMongoFilter } from './filters';

export interface AdminContext {
  deliveries: Collection<DeliveryRecord>;
  client: Client;
  namespace: string;
  /** Base URL of the Temporal Web UI, for links; omitted when unknown. */
  temporalUiUrl?: string;
}

const SUMMARY_FIELDS = { body: 0 } as const;

export async function listDeliveries(ctx: AdminContext, filter: DeliveryFilter, page: Page) {
  const items = await ctx.deliveries
    .find(toMongoFilter(filter, page), { projection: SUMMARY_FIELDS })
    .sort({ receivedAt: -1, _id: -1 })
    .limit(page.limit + 1)
    .toArray();
  const more = items.length > page.limit;
  const shown = items.slice(0, page.limit);
  return { items: shown, nextCursor: more ? encodeCursor(shown[shown.length - 1]) : undefined };
}

export function runLink(ctx: Pick<AdminContext, 'temporalUiUrl' | 'namespace'>, workflowId: string, runId?: string): string | undefined {
  if (!ctx.temporalUiUrl) return undefined;
  const base = `${ctx.temporalUiUrl}/namespaces/${encodeURIComponent(ctx.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

async function runStatus(client: Client, workflowId: string, runId?: string): Promise<string> {
  try {
    return (await client.workflow.getHandle(workflowId, runId).describe()).status.name;
  } catch (err) {
    return /not found/i.test((err as Error).message) ? 'NOT_FOUND' : `UNKNOWN (${(err as Error).message})`;
  }
}

export async function showDelivery(ctx: AdminContext, id: string) {
  const record = await ctx.deliveries.findOne({ _id: id });
  if (!record) return undefined;
  const allRuns = [...record.runs, ...((record as DeliveryRecord & { replays?: { runs: DeliveryRecord['runs'] }[] }).replays ?? []).flatMap((r) => r.runs)];
  const runs = await Promise.all(
    allRuns.map(async (run) => ({ ...run, status: await runStatus(ctx.client, run.workflowId, run.runId), link: runLink(ctx, run.workflowId, run.runId) })),
  );
  return { ...record, runs };
}
