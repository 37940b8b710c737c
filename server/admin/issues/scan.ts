// Failed runs become issue occurrences by reading Temporal, not by the worker reporting them:
// Temporal's record that a run failed is the truth, and it outlives any crash of ours. A scan lists
// runs that failed since the last scan (with an overlap, as visibility lags a little), skips those
// already stored, and reads each new one's failure from its history: which step, which error type.
// Each run is stored under its own id, so scans by several replicas, or a scan cut short and run
// again, store it once. Nothing in workflow code changes, so no recorded history replays differently.
import { errorText } from '../../../lib/errors';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import { searchAttributes } from '../../../engine/contract';
import { originalId } from '../../deliveries';
import { type IssueCollections, type IssueKey, type IssueKind, type IssueRun, issueId } from './store';
import { insertOnce, isDuplicateKey } from '../../../lib/insert-once';

const SCAN_ID = 'failed_runs';
/** Visibility may show a run this long after it closed; scans look back this far. */
const OVERLAP_MS = 5 * 60_000;
/** Histories read per scan; the rest wait for the next scan. */
const MAX_NEW_PER_SCAN = 200;
const PURGE_EVERY_MS = 10 * 60_000;

type Failure = temporal.api.failure.v1.IFailure;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface RunFailure { kind: IssueKind; key: IssueKey; step: string; errorType: string; message: string }

/** The step a label names: `reserve[2]#3.compensate` belongs to step `reserve`. */
export const stepOfLabel = (label: string) => label.replace(/[[#.].*$/, '');

/** Which step failed and with what, from the run's failure and the history around it. */
export function classifyFailure(flow: string, failure: Failure | null | undefined, events: HistoryEvent[]): RunFailure {
  let deepest: Failure | null | undefined = failure;
  let activity: Failure['activityFailureInfo'];
  for (let f = failure; f; f = f.cause) {
    if (f.activityFailureInfo) activity ??= f.activityFailureInfo;
    deepest = f;
  }
  const errorType = deepest?.applicationFailureInfo?.type || (deepest?.timeoutFailureInfo ? 'Timeout' : deepest?.canceledFailureInfo ? 'Canceled' : 'Error');
  const message = (deepest?.message ?? failure?.message ?? 'the run failed').slice(0, 500);
  const label = activity ? activitySummary(events, String(activity.scheduledEventId ?? '')) : undefined;
  const step = label ? stepOfLabel(label) : /^step ([^\s:]+):/.exec(message)?.[1] ?? 'run';
  if (errorType === 'ReconciliationExhausted') return { kind: 'reconciliation_exhausted', key: { flow }, step, errorType, message };
  return { kind: 'run_failed', key: { flow, step, errorType }, step, errorType, message };
}

/** The summary (the step label) the workflow gave the activity it scheduled as event `eventId`. */
function activitySummary(events: HistoryEvent[], eventId: string): string | undefined {
  const scheduled = events.find((e) => String(e.eventId) === eventId);
  const summary = scheduled?.userMetadata?.summary;
  if (!summary) return undefined;
  try {
    const value = defaultPayloadConverter.fromPayload<unknown>(summary as never);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export interface FailedRunScanner {
  /** Stores the failed runs not seen yet; concurrent calls share one scan. */
  scan(): Promise<void>;
}

export function failedRunScanner(deps: { client: Client; store: IssueCollections; log: Logger; retentionSeconds: number }): FailedRunScanner {
  const { client, store, log } = deps;
  let current: Promise<void> | undefined;
  let purgedAt = 0;

  async function storeRun(run: WorkflowExecutionInfo, flow: string): Promise<void> {
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    const events = history.events ?? [];
    const failed = [...events].reverse().find((e) => e.workflowExecutionFailedEventAttributes)?.workflowExecutionFailedEventAttributes;
    const found = classifyFailure(flow, failed?.failure, events);
    const id = issueId(found.kind, found.key);
    // The issue first, then the occurrence: a crash in between leaves an issue with no runs yet,
    // which the next scan fills (it finds the run not stored).
    await upsertIgnoringRace(() => store.issues.updateOne({ _id: id }, { $setOnInsert: { kind: found.kind, key: found.key } }, { upsert: true }));
    const source = run.typedSearchAttributes.get(searchAttributes.source);
    const eventId = run.typedSearchAttributes.get(searchAttributes.eventId);
    const occurrence: IssueRun = {
      _id: `${run.workflowId}/${run.runId}`, issueId: id, workflowId: run.workflowId, runId: run.runId, flow,
      step: found.step, errorType: found.errorType, message: found.message,
      ...(source && eventId && { deliveryId: originalId(source, eventId), eventId }),
      at: run.closeTime ?? new Date(),
    };
    await insertOnce(store.runs, occurrence); // false: another scan stored it
  }

  async function scanOnce(): Promise<void> {
    const keptSince = Date.now() - deps.retentionSeconds * 1000;
    if (Date.now() - purgedAt > PURGE_EVERY_MS) {
      // Failed runs older than the retention are forgotten, like the deliveries they replay.
      await store.runs.deleteMany({ at: { $lt: new Date(keptSince) } });
      purgedAt = Date.now();
    }
    const mark = await store.scans.findOne({ _id: SCAN_ID });
    const since = new Date(Math.max(mark?.closedSince.getTime() ?? 0, keptSince) - OVERLAP_MS);
    const candidates: { run: WorkflowExecutionInfo; flow: string }[] = [];
    let newest = mark?.closedSince ?? new Date(0);
    const query = `ExecutionStatus = "Failed" AND CloseTime >= "${since.toISOString()}"`;
    for await (const run of client.workflow.list({ query })) {
      const flow = run.typedSearchAttributes.get(searchAttributes.flow);
      if (!flow) continue; // not a hookflow run
      candidates.push({ run, flow });
      if (run.closeTime && run.closeTime > newest) newest = run.closeTime;
    }
    const known = new Set<string>();
    const ids = candidates.map((c) => `${c.run.workflowId}/${c.run.runId}`);
    for (let i = 0; i < ids.length; i += 500) {
      for await (const r of store.runs.find({ _id: { $in: ids.slice(i, i + 500) } }, { projection: { _id: 1 } })) known.add(r._id);
    }
    const fresh = candidates.filter((c) => !known.has(`${c.run.workflowId}/${c.run.runId}`));
    for (const c of fresh.slice(0, MAX_NEW_PER_SCAN)) {
      try {
        await storeRun(c.run, c.flow);
      } catch (err) {
        // Its history could not be read now: the mark does not move past it, the next scan tries again.
        log.warn({ workflowId: c.run.workflowId, err: errorText(err) }, 'could not read a failed run for issues');
        return;
      }
    }
    if (fresh.length > MAX_NEW_PER_SCAN) return; // the mark moves once every run up to it is stored
    await store.scans.updateOne({ _id: SCAN_ID }, { $max: { closedSince: newest } }, { upsert: true })
      .catch((err) => { if (!isDuplicateKey(err)) throw err; });
  }

  return {
    scan() {
      current ??= scanOnce().finally(() => { current = undefined; });
      return current;
    },
  };
}

async function upsertIgnoringRace(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    // Two replicas inserted the same issue at once: it exists, which is all that was asked.
    if (!isDuplicateKey(err)) throw err;
  }
}
