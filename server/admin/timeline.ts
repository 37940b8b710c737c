// One event end to end: received → stored → started → each run's steps, waits, timers and
// effects. From the delivery record and each run's Temporal history, decoded (and decrypted) with
// the admin client's data converter. GET /admin/deliveries/:id/timeline, the console's event page
// and `hookflow deliveries show --timeline` show it.
import type { Client } from '@temporalio/client';
import type { LoadedDataConverter } from '@temporalio/common';
import { type DeliveryRecord, ownRun } from '../deliveries';
import { type AdminContext, runLink } from './deliveries';
import { type Decode, type TimelineItem, millisOf, runItems } from './run-history';
import { RATE_LIMITED } from '../starts';

export type { TimelineItem } from './run-history';

export interface RunTimeline {
  flow: string;
  workflowId: string;
  runId?: string;
  /** COMPLETED, RUNNING, FAILED, … or why it is not known. */
  status: string;
  link: string;
  replayOf?: string;
  items: TimelineItem[];
  /** Why the history could not be read (not found, no key). */
  error?: string;
}

export interface Timeline {
  deliveryId: string;
  /** The trace of the event when tracing was on (written on the record by the tracing side). */
  traceId?: string;
  /** received, stored, started (or why not). */
  items: TimelineItem[];
  runs: RunTimeline[];
}

const HISTORY_DEADLINE_MS = 5000;
/** Runs read for one timeline (a replayed event has several). */
const MAX_RUNS = 20;

function decoderOf(client: Client): Decode {
  const converter = (client.options as { loadedDataConverter?: LoadedDataConverter }).loadedDataConverter;
  return async (payload) => {
    if (!payload || !converter) return undefined;
    try {
      let payloads = [payload];
      for (const codec of [...converter.payloadCodecs].reverse()) payloads = await codec.decode(payloads as never);
      return converter.payloadConverter.fromPayload(payloads[0] as never);
    } catch {
      return undefined; // no key for it, or not a value: shown without it
    }
  };
}

function deliveryItems(record: DeliveryRecord, runs: RunTimeline[], firstStart?: number): TimelineItem[] {
  const received = record.receivedAt.getTime();
  const items: TimelineItem[] = [
    { at: record.receivedAt.toISOString(), kind: 'run', name: 'received', state: 'info', detail: `from ${record.remoteAddress ?? 'unknown address'}${record.requestId ? `, request ${record.requestId}` : ''}` },
  ];
  const answered = `answered HTTP ${record.status}${record.reason ? ` (${record.reason})` : ''}`;
  if (record.outcome === 'rejected' || record.outcome === 'handshake') {
    items.push({ kind: 'run', name: 'stored', state: record.outcome === 'rejected' ? 'failed' : 'info', detail: `${record.outcome}, ${answered}${record.message ? `: ${record.message}` : ''}` });
    return items;
  }
  items.push({ kind: 'run', name: 'stored', state: 'ok', detail: `${record.outcome}, before the answer (${answered})` });
  const relay = record.relay;
  if (relay?.state === 'pending') items.push({ kind: 'run', name: 'started', state: 'waiting', attempts: relay.attempts, detail: `not yet: the relay tries again at ${relay.nextAttemptAt.toISOString()}${relay.lastError ? ` (${relay.lastError})` : ''}` });
  else if (relay?.state === 'failed') items.push({ kind: 'run', name: 'started', state: 'failed', attempts: relay.attempts, detail: `never: ${relay.failedReason ?? ''} ${relay.lastError ?? ''}`.trim() });
  else if (runs.length || relay) {
    const at = relay?.startedAt?.getTime() ?? firstStart;
    items.push({ at: at !== undefined ? new Date(at).toISOString() : undefined, kind: 'run', name: 'started', state: 'ok', attempts: relay?.attempts, durationMs: at !== undefined ? Math.max(0, at - received) : undefined, detail: `${runs.length} run(s)` });
  }
  return items;
}

async function runTimeline(ctx: AdminContext, decode: Decode, run: { flow: string; workflowId: string; runId?: string; replayOf?: string; ignored?: string }): Promise<RunTimeline & { startedAt?: number }> {
  const base = { flow: run.flow, workflowId: run.workflowId, runId: run.runId, replayOf: run.replayOf, link: runLink(ctx, run.workflowId, run.runId) };
  if (run.ignored === RATE_LIMITED) return { ...base, status: `DROPPED (${RATE_LIMITED})`, items: [] };
  try {
    const handle = ctx.client.workflow.getHandle(run.workflowId, run.runId);
    const [description, history] = await ctx.client.connection.withDeadline(Date.now() + HISTORY_DEADLINE_MS, () => Promise.all([handle.describe(), handle.fetchHistory()]));
    const items = await runItems(history, decode);
    const closed = description.closeTime;
    if (closed) items.push({ at: closed.toISOString(), kind: 'run', name: `run ${description.status.name.toLowerCase()}`, state: description.status.name === 'COMPLETED' ? 'ok' : 'failed', durationMs: closed.getTime() - description.startTime.getTime() });
    const startedAt = millisOf(history.events?.[0]?.eventTime);
    return { ...base, runId: description.runId, status: description.status.name, items, startedAt };
  } catch (err) {
    const message = (err as Error).message;
    return { ...base, status: /not found/i.test(message) ? 'NOT_FOUND' : 'UNKNOWN', items: [], error: message.slice(0, 300) };
  }
}

export async function deliveryTimeline(ctx: AdminContext, id: string): Promise<Timeline | undefined> {
  const found = await ctx.deliveries.findOne({ _id: id }, { projection: { body: 0 } });
  if (!found) return undefined;
  // A duplicate's own story ends at its answer; the runs are the original's.
  const record = found.originalId ? ((await ctx.deliveries.findOne({ _id: found.originalId }, { projection: { body: 0 } })) ?? found) : found;
  const planned = [
    ...record.runs.map((r) => ({ ...r, ...ownRun(r, record.absorbed?.[r.flow]) })),
    ...(record.replays ?? []).flatMap((rep) => rep.runs.map((r) => ({ ...r, ...ownRun(r) }))),
  ].slice(0, MAX_RUNS);
  const decode = decoderOf(ctx.client);
  const runs = await Promise.all(planned.map((r) => runTimeline(ctx, decode, r)));
  const firstStart = Math.min(...runs.map((r) => r.startedAt ?? Infinity));
  const traceId = (found as { traceId?: string }).traceId ?? (record as { traceId?: string }).traceId;
  return {
    deliveryId: found._id,
    ...(traceId && { traceId }),
    items: deliveryItems(record, runs, Number.isFinite(firstStart) ? firstStart : undefined),
    runs: runs.map(({ startedAt: _s, ...r }) => r),
  };
}
