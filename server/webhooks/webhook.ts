// Webhook handling as a function of the request: admit, verify, parse, validate, store, start.
// Nothing is answered 2xx before its delivery record is stored. No Koa here; server/webhooks/app.ts adapts it.
import type { Logger } from 'pino';
import { HookflowError, SchemaViolationError, StartRefusedError, UnavailableError, errorText } from '../../lib/errors';
import { checkJsonContentType, parseContentType } from './content-type';
import type { FlowEvent } from '../../engine/types';
import type { Definitions } from '../../definitions/definitions';
import { selectFlows } from '../../engine/select';
import type { SourceDefinition } from '../../definitions/source-types';
import type { DeliveryRecord, RecordedRun } from '../deliveries';
import type { DeliveryStore } from '../deliveries';
import { type Headers, headerValue } from '../../verification/headers';
import { parseBody } from '../../verification/request-body';
import { type RequestFacts, type SeenEvent, acceptedRecord, duplicateRecord, handshakeRecord, ignoredRecord, rejectedRecord } from './delivery-records';
import { readEventField } from '../../verification/event-fields';
import { type PlannedRun, type RunStarter, planRuns } from '../starts';
import { recordedRun } from '../deliveries';
import { checkAddress } from '../../verification/address';
import { verifySignature } from '../../verification';
import { signedMaterialKey } from '../../verification/signed-material';
import { type HandshakeAnswer, postHandshake } from './handshakes';
import { ignoredOutcome } from '../starts';
import { readEventVersion } from '../../verification/event-version';
import { UpcastError } from '../../engine/event-versions';
import { type EventSchemas, checkUpcastRuns, schemaOfEvent } from './event-schema';
import { ATTR, annotate, withEvent, withTimedEvent } from '../../lib/tracing';

export interface WebhookRequest extends RequestFacts {
  source: SourceDefinition;
  rawBody: Buffer;
}

export interface WebhookResponse {
  status: number;
  body: {
    status: 'accepted' | 'duplicate' | 'ignored' | 'rate_limited';
    deliveryId: string;
    eventId: string;
    eventType: string;
    runs: RecordedRun[];
    /** The event is stored but its runs are not started yet: the relay will start them. */
    pending?: true;
  };
}

/** A handshake's answer: the body the provider requires, instead of hookflow's own. */
export interface HandshakeResponse {
  status: 200;
  deliveryId: string;
  handshake: HandshakeAnswer;
}

export interface WebhookDeps {
  /** The definitions in force for this request (they can be reloaded between requests). */
  definitions: Pick<Definitions, 'flows'> & EventSchemas;
  startRuns: RunStarter;
  deliveries: DeliveryStore;
  log: Logger;
}

const MAX_VIOLATIONS = 50;

/** Checks that need no body: the sender's address and the content type. */
export function admit(source: SourceDefinition, headers: Headers, remoteAddress: string | undefined): void {
  checkAddress(source.network, remoteAddress, headers);
  const contentType = headerValue(headers, 'content-type');
  // Sources that take forms (Twilio) may post one; every other body is JSON in UTF-8.
  if (source.body.form && contentType && parseContentType(contentType).media === 'application/x-www-form-urlencoded') return;
  checkJsonContentType(contentType);
}

export async function handleWebhook(req: WebhookRequest, deps: WebhookDeps): Promise<WebhookResponse | HandshakeResponse> {
  const seen: SeenEvent = {};
  try {
    return await receive(req, deps, seen);
  } catch (err) {
    await noteRejection(req, seen, err, deps);
    throw err;
  }
}

/**
 * Records why a request was refused. A 503 is not recorded: it means the store is unreachable; nor
 * is a start Temporal refused: the event's own record says so (failed).
 */
export async function noteRejection(req: RequestFacts, seen: SeenEvent, err: unknown, deps: Pick<WebhookDeps, 'deliveries' | 'log'>): Promise<void> {
  if (err instanceof UnavailableError || err instanceof StartRefusedError) return;
  const error = err instanceof HookflowError ? err : new HookflowError('internal_error', 500, 'unexpected error');
  await deps.deliveries.noteRejection(rejectedRecord(req, seen, error, deps.deliveries), deps.log);
}

/** Records an answered handshake (a GET subscription check, or a verified POST). */
export async function answerHandshake(req: RequestFacts, handshake: HandshakeAnswer, deps: Pick<WebhookDeps, 'deliveries' | 'log'>): Promise<HandshakeResponse> {
  const record = handshakeRecord(req, handshake.eventType, deps.deliveries);
  await deps.deliveries.insert(record);
  deps.log.info({ deliveryId: record._id, eventType: handshake.eventType }, 'provider handshake answered');
  return { status: 200, deliveryId: record._id, handshake };
}

async function receive(req: WebhookRequest, deps: WebhookDeps, seen: SeenEvent): Promise<WebhookResponse | HandshakeResponse> {
  const { source, headers, rawBody } = req;
  admit(source, headers, req.remoteAddress);
  withEvent('verify', () => verifySignature(source.verify, headers, rawBody, req.receivedAt, req.url));
  seen.verified = true;
  const body = withEvent('parse', () => parseBody(source, headers, rawBody));
  const handshake = postHandshake(source, body as Record<string, unknown>, req.receivedAt);
  if (handshake) return answerHandshake(req, handshake, deps);

  const id = (seen.eventId = readEventField(source.event.id, headers, body, 'id'));
  const type = (seen.eventType = readEventField(source.event.type, headers, body, 'type'));
  const version = (seen.eventVersion = readEventVersion(source.versions, headers, body, req.urlVersion));
  annotate({ [ATTR.eventId]: id, [ATTR.eventType]: type });
  // A versioned type and a version without schema: refused (422 unknown_event_version).
  const violations = withEvent('validate', () => schemaOfEvent(deps.definitions, source.name, type, version)?.(body) ?? []);
  if (violations.length) throw new SchemaViolationError(type, violations.slice(0, MAX_VIOLATIONS));

  const event: FlowEvent = { id, type, source: source.name, receivedAt: req.receivedAt.toISOString(), body, ...(version !== undefined && { version }) };
  const flows = await selectFlows(deps.definitions.flows, event).catch((err: unknown) => {
    // An upcast a flow's filter needed did not work on this event: no retry changes that.
    if (err instanceof UpcastError) throw new SchemaViolationError(type, [{ path: '/', message: err.message }]);
    throw err;
  });
  const answer: Answer = (status, outcome, deliveryId, runs, pending) =>
    ({ status, body: { status: outcome, deliveryId, eventId: id, eventType: type, runs, ...(pending && { pending }) } });

  if (flows.length === 0) {
    const record = ignoredRecord(req, seen, deps.deliveries);
    await deps.deliveries.insert(record);
    deps.log.info({ deliveryId: record._id, eventId: id, eventType: type }, 'no flow for this event: acknowledged and ignored');
    return answer(200, 'ignored', record._id, []);
  }

  const planned = await planRuns(flows, event).catch((err: Error) => {
    // A flow's idempotency key expression found nothing in this event (or its upcast failed): the event lacks what it needs.
    throw new SchemaViolationError(type, [{ path: '/', message: err.message }]);
  });
  // What an upcast gave must match the schema of the version it claims, before anything is stored.
  checkUpcastRuns(deps.definitions, planned, MAX_VIOLATIONS);
  const record = { ...acceptedRecord(req, { eventId: id, eventType: type, eventVersion: version }, planned, deps.deliveries), ...(source.body.arrayAs && { bodyArrayAs: source.body.arrayAs }) };
  annotate({ [ATTR.deliveryId]: record._id, [ATTR.flow]: planned.map((p) => p.flow.name), [ATTR.workflowId]: planned.map((p) => p.workflowId) });
  const original = await withTimedEvent('store', () => deps.deliveries.insertOriginal(record, signedMaterialKey(source, rawBody, req.url)));
  // A re-delivery of the same event after its start failed: the provider asks again, so try again.
  const reopened = original?._id === record._id ? await deps.deliveries.reopenFailed(original, record.runs) : undefined;
  if (original && !reopened) {
    const dup = duplicateRecord(req, seen, original, deps.deliveries);
    await deps.deliveries.note(dup, deps.log);
    deps.log.info({ deliveryId: dup._id, eventId: id, eventType: type, originalId: original._id }, 'duplicate delivery: nothing started');
    return answer(200, 'duplicate', original._id, original.runs);
  }
  if (reopened) deps.log.info({ deliveryId: record._id, eventId: id, eventType: type, failedReason: reopened.relay?.reopenedFrom }, 'event re-delivered after its start failed: starting it again');
  return startStored(reopened ?? record, planned, event, deps, answer);
}

type Answer = (status: number, outcome: WebhookResponse['body']['status'], deliveryId: string, runs: RecordedRun[], pending?: true) => WebhookResponse;

/** Starts the runs of a record this request stored (or reopened) and holds the lease of. */
async function startStored(record: DeliveryRecord, planned: PlannedRun[], event: FlowEvent, deps: WebhookDeps, answer: Answer): Promise<WebhookResponse> {
  // Stored: from here on the event is never lost. Start now; if Temporal cannot take it, the relay will.
  const log = deps.log.child({ deliveryId: record._id, eventId: event.id, eventType: event.type });
  try {
    const started = await withTimedEvent('start', () => deps.startRuns(planned, event, log));
    const runs = started.map(recordedRun);
    // Not awaited: the answer needs the stored record and the started runs, both there already.
    void deps.deliveries.markStarted(record._id, runs).catch((err) => log.warn({ err: errorText(err), workflowIds: runs.map((r) => r.workflowId) }, 'runs started but not marked; the relay will confirm them'));
    const anyNew = started.some((r) => !r.duplicate && !r.ignored);
    const allIgnored = started.every((r) => r.ignored);
    return answer(anyNew ? 202 : 200, anyNew ? 'accepted' : allIgnored ? ignoredOutcome(started) : 'duplicate', record._id, runs);
  } catch (err) {
    if (err instanceof StartRefusedError) {
      // Stored, but no retry can start it: failed on its record (listed, counted), 500 to the sender.
      await deps.deliveries.markFailed(record, err.reason, err.message).catch((e) => log.error({ err: errorText(e) }, 'could not mark the delivery failed'));
      throw err;
    }
    log.warn({ err: errorText(err), workflowIds: record.runs.map((r) => r.workflowId) }, 'event stored; runs will be started by the relay');
    await deps.deliveries.retryLater(record, err).catch(() => undefined); // the lease expires anyway
    return answer(202, 'accepted', record._id, record.runs, true);
  }
}
