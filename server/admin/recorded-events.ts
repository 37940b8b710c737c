// Stored events with what their original runs recorded in Temporal: the definition each run
// executed (its input) and its steps' outcomes (its result), decoded with the client's codec.
// `hookflow replay --candidate` (GET /admin/recorded-events) and the console's "try against the
// flows on disk" run them through flow definitions without effects (engine/what-if.ts).
import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { FlowRunInput, FlowRunResult } from '../../engine/contract';
import type { FlowEvent } from '../../engine/types';
import type { RecordedRun } from '../../engine/what-if';
import { errorText } from '../../lib/errors';
import { type DeliveryRecord, StoredEventError, ownRun, storedEvent } from '../deliveries';
import type { AdminContext } from './deliveries';
import { type DeliveryFilter, type Page, encodeCursor, toMongoFilter } from './filters';

export interface RecordedEvent {
  deliveryId: string;
  event: FlowEvent;
  /** The event's original runs, with what Temporal still holds of them. */
  runs: RecordedRun[];
}

/** Histories read at once while a page is gathered. */
const HISTORY_CONCURRENCY = 8;
const CLOSED: Record<string, string> = {
  workflowExecutionCompletedEventAttributes: 'COMPLETED', workflowExecutionFailedEventAttributes: 'FAILED',
  workflowExecutionTimedOutEventAttributes: 'TIMED_OUT', workflowExecutionTerminatedEventAttributes: 'TERMINATED',
  workflowExecutionCanceledEventAttributes: 'CANCELED', workflowExecutionContinuedAsNewEventAttributes: 'CONTINUED_AS_NEW',
};

const isFlowDefinition = (v: unknown): v is FlowRunInput['flow'] => !!v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string' && Array.isArray((v as { steps?: unknown }).steps);

/** One run's input definition and result steps; what cannot be read (history gone, another shape) stays absent. */
export async function readRecordedRun(client: Client, flow: string, workflowId: string, runId?: string): Promise<RecordedRun> {
  const converter = client.options.loadedDataConverter;
  let events;
  try {
    events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  } catch (err) {
    return { flow, workflowId, status: `not readable: ${errorText(err)}` };
  }
  const run: RecordedRun = { flow, workflowId };
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  try {
    const input = await decodeFromPayloadsAtIndex<Partial<FlowRunInput>>(converter, 0, started?.input?.payloads);
    if (isFlowDefinition(input?.flow) && input.flow.name === flow) run.ran = input.flow;
  } catch { /* an input of another shape (a queue or collector workflow): no definition */ }
  const last = events[events.length - 1];
  run.status = last ? Object.entries(CLOSED).find(([attr]) => (last as Record<string, unknown>)[attr])?.[1] ?? 'RUNNING' : undefined;
  const completed = last?.workflowExecutionCompletedEventAttributes;
  if (completed) {
    try {
      const result = await decodeFromPayloadsAtIndex<Partial<FlowRunResult>>(converter, 0, completed.result?.payloads);
      if (result?.steps && typeof result.steps === 'object') run.steps = result.steps;
    } catch { /* a result of another shape: no outputs */ }
  }
  return run;
}

/** The event of a stored delivery with its runs' records; undefined when it holds no complete event. */
export async function recordedEvent(client: Client, record: DeliveryRecord): Promise<RecordedEvent | undefined> {
  let event: FlowEvent;
  try {
    event = storedEvent(record);
  } catch (err) {
    if (err instanceof StoredEventError) return undefined;
    throw err;
  }
  const runs = await Promise.all(record.runs.filter((r) => !r.ignored).map((r) => {
    const own = ownRun(r, record.absorbed?.[r.flow]);
    return readRecordedRun(client, r.flow, own.workflowId, own.runId);
  }));
  return { deliveryId: record._id, event, runs };
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

/**
 * A page of the events (accepted or ignored: every event a flow could start on), newest first,
 * each with its runs' records. Deliveries without a complete stored body are counted, not returned.
 */
export async function listRecordedEvents(ctx: AdminContext, filter: DeliveryFilter, page: Page): Promise<{ items: RecordedEvent[]; incomplete: string[]; nextCursor?: string }> {
  const mongoFilter = { $and: [toMongoFilter({ ...filter, outcome: undefined }, page), { outcome: { $in: ['accepted', 'ignored'] } }] };
  const records = await ctx.deliveries.find(mongoFilter as never).sort({ receivedAt: -1, _id: -1 }).limit(page.limit + 1).toArray();
  const more = records.length > page.limit;
  const shown = records.slice(0, page.limit);
  const events = await mapLimited(shown, HISTORY_CONCURRENCY, (r) => recordedEvent(ctx.client, r));
  return {
    items: events.filter((e): e is RecordedEvent => !!e),
    incomplete: shown.filter((_, i) => !events[i]).map((r) => r._id),
    ...(more && { nextCursor: encodeCursor(shown[shown.length - 1]) }),
  };
}
