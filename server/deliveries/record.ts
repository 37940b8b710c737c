// What is stored for every request that reaches a source, in one MongoDB collection.
// The first delivery of an event has the deterministic id "<source>:<event id>", so the
// collection's unique _id is the duplicate check; it doubles as the outbox the relay starts from.

export const DELIVERIES_COLLECTION = 'hookflow_deliveries';
/** Relay attempts taken, one document each: how replicas avoid starting one record together. */
export const CLAIMS_COLLECTION = 'hookflow_relay_claims';

import type { RunRoute } from '../../engine/routing';
import type { RejectionSettings } from './rejections';

/** rate_limited: accepted, but every run it would make was dropped by its flow's rateLimit. */
export type Outcome = 'accepted' | 'duplicate' | 'ignored' | 'rejected' | 'handshake' | 'rate_limited';

export interface RecordedRun {
  flow: string;
  workflowId: string;
  runId?: string;
  /** Correlated and entity-keyed flows: the key the event was signalled to (the relay signals again). */
  route?: RunRoute;
  /** The event changed nothing, and why (e.g. a callback after its correlated run finished). */
  ignored?: string;
}

/** What the delivery record keeps of a started (or signalled) run: a run start without its flags. */
export function recordedRun({ flow, workflowId, runId, route, ignored }: RecordedRun): RecordedRun {
  return { flow, workflowId, runId, ...(route && { route }), ...(ignored && { ignored }) };
}

/**
 * The run that is the event's own. An entity-keyed event is signalled to its entity's queue (the
 * recorded workflow id and run id) and runs as a child of it, whose status is the event's.
 */
export function ownRun(run: RecordedRun, absorbed?: AbsorbedRecord): { workflowId: string; runId?: string; queueWorkflowId?: string } {
  // Debounced or batched into another event's run: that run is the one that took it.
  if (absorbed) return { workflowId: absorbed.by, queueWorkflowId: run.workflowId };
  const own = run.route?.eventWorkflowId;
  return own ? { workflowId: own, queueWorkflowId: run.workflowId } : { workflowId: run.workflowId, runId: run.runId };
}

/** An event a debounce or batch collector let another event's run take (activities/absorbed.ts writes it). */
export interface AbsorbedRecord {
  as: 'debounced' | 'batched';
  /** The workflow id of the run that absorbed it. */
  by: string;
  at: Date;
}

/** Outbox state of an accepted event: pending until every planned run has been started. */
export interface RelayState {
  state: 'pending' | 'started' | 'failed';
  /** Start attempts so far (the immediate one included). */
  attempts: number;
  nextAttemptAt: Date;
  /** Whoever holds the record until then (a request or a relay) may start it; others wait. */
  leaseUntil: Date;
  owner?: string;
  lastError?: string;
  startedAt?: Date;
  /** Failed: a stable code for why the runs will never be started (see DeliveryStore.markFailed). */
  failedReason?: string;
  failedAt?: Date;
  /** Pending again because the provider re-delivered the event after it failed (the reason it failed for). */
  reopenedFrom?: string;
}

/**
 * A replay of the event (admin API): new runs, linked to the originals by their workflow ids.
 * Recorded before its first run starts and added to as each run starts, so a replay cut short
 * (a start failed, the process died) is continued by the next replay of the same flows.
 */
export interface ReplayRecord {
  at: Date;
  runs: (RecordedRun & { replayOf: string })[];
  /** The bulk replay job that made it, if any. */
  jobId?: string;
  /** Identifies the replay (also in its runs' memo as replayId); absent on replays recorded before. */
  id?: string;
  /** The n of its "<workflow id>:replay:<n>" runs (a run may take a later n if n was taken meanwhile). */
  number?: number;
  /** The flows it replays: it is unfinished while one of them has no run in `runs`. */
  flows?: string[];
}

export interface StoredBody {
  /** UTF-8 text when the bytes are valid UTF-8, base64 otherwise. */
  text: string;
  encoding: 'utf8' | 'base64';
  bytes: number;
  truncated: boolean;
}

export interface DeliveryRecord {
  _id: string;
  source: string;
  eventId?: string;
  eventType?: string;
  /** A versioned type's version as the provider sent it (or the source's default). */
  eventVersion?: string;
  receivedAt: Date;
  outcome: Outcome;
  /** The HTTP status answered. */
  status: number;
  /** Stable error code of a rejection (signature_invalid, schema_violation, …). */
  reason?: string;
  message?: string;
  runs: RecordedRun[];
  /** Duplicates: the record of the delivery that was accepted first. */
  originalId?: string;
  remoteAddress?: string;
  requestId?: string;
  /** With tracing on: the OpenTelemetry trace id of the request (ingress → run → steps), as a trace backend shows it. */
  traceId?: string;
  /** With tracing on: the request span as a W3C traceparent, the parent of the relay's start. */
  traceparent?: string;
  contentType?: string;
  body?: StoredBody;
  /** The body was a JSON array, given to flows under this key (SendGrid's batches). */
  bodyArrayAs?: string;
  relay?: RelayState;
  /** Schema violations of a 422 rejection (the first few), so a provider's schema change is seen fast. */
  violations?: { path: string; message: string }[];
  /** By flow name: the event did not run alone but was absorbed into another event's run (debounce, batch). */
  absorbed?: Record<string, AbsorbedRecord>;
  /** Replays of an accepted or ignored event, oldest first. */
  replays?: ReplayRecord[];
  /** After this the record may be purged (never while pending); also the end of the duplicate window. */
  expiresAt: Date;
}

export interface DeliverySettings {
  /** How long (s) an event id is remembered as a duplicate, independent of Temporal's retention. */
  dedupeWindowSeconds: number;
  /** Raw body bytes kept on records of requests that were not accepted (accepted ones keep all). */
  keepBodyBytes: number;
  /** How long (ms) a request or relay owns a pending record before another may take it over. */
  leaseMs: number;
  /** Longest wait (ms) between two start attempts on one record; attempts back off 1 s, 2 s, 4 s… up to it. */
  maxBackoffMs: number;
  /** How long (s) a record and its body are kept (at least until its duplicate window ends); the window when unset. */
  retentionSeconds?: number;
  /** How rejections are counted and sampled (server/deliveries/rejections.ts). */
  rejections?: Partial<Pick<RejectionSettings, 'samplesPerMinute' | 'flushEveryMs'>>;
  /** Body bytes kept on a sample of a request whose signature was not verified (a small prefix). */
  unverifiedBodyBytes?: number;
  /** How long (ms) a started mark waits for others to be written with it (default 50; 0: at once). */
  markLingerMs?: number;
}

export const originalId = (source: string, eventId: string) => `${source}:${eventId}`;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as stored: whole, or cut at `limit` bytes. */
export function storedBody(raw: Buffer, limit = Infinity): StoredBody {
  const kept = raw.length > limit ? raw.subarray(0, limit) : raw;
  const truncated = kept.length < raw.length;
  try {
    // A cut can split a character; the text is then only a preview and may end in U+FFFD.
    return { text: truncated ? kept.toString('utf8') : utf8.decode(kept), encoding: 'utf8', bytes: raw.length, truncated };
  } catch {
    return { text: kept.toString('base64'), encoding: 'base64', bytes: raw.length, truncated };
  }
}

export function bodyBytes(body: StoredBody): Buffer {
  return Buffer.from(body.text, body.encoding);
}
