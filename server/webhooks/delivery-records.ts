// Builds the delivery records the webhook handler stores, one per outcome.
import { type HookflowError, SchemaViolationError } from '../../lib/errors';
import { type DeliveryRecord, type RecordedRun, originalId, storedBody } from '../deliveries';
import { type DeliveryStore, newDeliveryId } from '../deliveries';
import { type Headers, headerValue } from '../../verification/headers';
import type { PlannedRun } from '../starts';
import { currentTraceId, currentTraceparent } from '../../lib/tracing';

export interface RequestFacts {
  source: { name: string };
  headers: Headers;
  rawBody?: Buffer;
  receivedAt: Date;
  remoteAddress?: string;
  /** The path and query as received (twilio and square sign the URL). */
  url?: string;
  /** X-Request-Id (given or generated): ties the record to the request's log lines. */
  requestId?: string;
  /** The version segment of /webhooks/<source>/<version>, for sources whose versions are in the URL. */
  urlVersion?: string;
}

/** What is known about the event so far (a rejection can come before or after it is read). */
export interface SeenEvent {
  eventId?: string;
  eventType?: string;
  eventVersion?: string;
  /** The signature was verified: the sender is the source. */
  verified?: boolean;
}

/** Body bytes kept on the sample of a request whose signature was not verified: enough to see what it was. */
export const UNVERIFIED_BODY_BYTES = 256;

function base(req: RequestFacts, seen: SeenEvent, store: DeliveryStore, keepBytes: number): Omit<DeliveryRecord, '_id' | 'outcome' | 'status'> {
  return {
    source: req.source.name,
    eventId: seen.eventId,
    eventType: seen.eventType,
    ...(seen.eventVersion !== undefined && { eventVersion: seen.eventVersion }),
    receivedAt: req.receivedAt,
    runs: [],
    remoteAddress: req.remoteAddress,
    requestId: req.requestId,
    contentType: headerValue(req.headers, 'content-type')?.slice(0, 200),
    body: req.rawBody && storedBody(req.rawBody, keepBytes),
    expiresAt: store.expiry(req.receivedAt),
    ...traceOfRequest(),
  };
}

/** The request's trace (tracing on): its id for people and the console, its traceparent for the relay's start. */
function traceOfRequest(): Pick<DeliveryRecord, 'traceId' | 'traceparent'> {
  const traceId = currentTraceId();
  return traceId ? { traceId, traceparent: currentTraceparent() } : {};
}

/** The first delivery of an event: the whole body is kept, it is what the relay starts from. */
export function acceptedRecord(req: RequestFacts, seen: Required<Pick<SeenEvent, 'eventId' | 'eventType'>> & Pick<SeenEvent, 'eventVersion'>, planned: PlannedRun[], store: DeliveryStore): DeliveryRecord {
  const now = new Date();
  return {
    ...base(req, seen, store, Infinity),
    _id: originalId(req.source.name, seen.eventId),
    outcome: 'accepted',
    status: 202,
    runs: planned.map((p): RecordedRun => ({ flow: p.flow.name, workflowId: p.workflowId, ...(p.route && { route: p.route }) })),
    // The request holds the lease while it tries to start the runs itself.
    relay: { state: 'pending', attempts: 1, nextAttemptAt: now, leaseUntil: new Date(now.getTime() + store.settings.leaseMs), owner: 'request' },
  };
}

export function duplicateRecord(req: RequestFacts, seen: SeenEvent, original: DeliveryRecord, store: DeliveryStore): DeliveryRecord {
  return { ...base(req, seen, store, store.settings.keepBodyBytes), _id: newDeliveryId(), outcome: 'duplicate', status: 200, runs: original.runs, originalId: original._id };
}

export function ignoredRecord(req: RequestFacts, seen: SeenEvent, store: DeliveryStore): DeliveryRecord {
  return { ...base(req, seen, store, store.settings.keepBodyBytes), _id: newDeliveryId(), outcome: 'ignored', status: 200 };
}

/** A provider's handshake, answered: nothing starts. */
export function handshakeRecord(req: RequestFacts, eventType: string, store: DeliveryStore): DeliveryRecord {
  return { ...base(req, { eventType }, store, store.settings.keepBodyBytes), _id: newDeliveryId(), outcome: 'handshake', status: 200 };
}

export function rejectedRecord(req: RequestFacts, seen: SeenEvent, err: HookflowError, store: DeliveryStore): DeliveryRecord {
  const keep = seen.verified ? store.settings.keepBodyBytes : Math.min(store.settings.keepBodyBytes, store.settings.unverifiedBodyBytes ?? UNVERIFIED_BODY_BYTES);
  return { ...base(req, seen, store, keep), _id: newDeliveryId(), outcome: 'rejected', status: err.status, reason: err.code, message: err.message.slice(0, 500), ...violationsOf(err) };
}

const MAX_VIOLATIONS_KEPT = 20;

function violationsOf(err: HookflowError): Pick<DeliveryRecord, 'violations'> {
  return err instanceof SchemaViolationError ? { violations: err.violations.slice(0, MAX_VIOLATIONS_KEPT) } : {};
}
