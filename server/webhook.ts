// Webhook handling as a function of the request: verify, parse, validate, start runs.
// No Koa here; server/app.ts adapts it to HTTP.
import type { Logger } from 'pino';
import { MalformedBodyError, SchemaViolationError } from '../lib/errors';
import type { FlowEvent } from '../lib/flow/types';
import type { Definitions } from '../lib/loader/definitions';
import { selectFlows } from '../lib/flow/select';
import type { SourceDefinition } from '../lib/loader/sources';
import type { Headers } from './http';
import { parseJsonBody, valueAt } from './json-body';
import type { RunStart, RunStarter } from './start-runs';
import { verifyHmac } from './verification/hmac';

export interface WebhookRequest {
  source: SourceDefinition;
  headers: Headers;
  rawBody: Buffer;
  receivedAt: Date;
}

export interface WebhookResponse {
  status: number;
  body: { status: 'accepted' | 'duplicate' | 'ignored'; eventId: string; eventType: string; runs: RunStart[] };
}

export interface WebhookDeps {
  /** The definitions in force for this request (they can be reloaded between requests). */
  definitions: Pick<Definitions, 'flows' | 'eventSchemas'>;
  startRuns: RunStarter;
  log: Logger;
}

const MAX_VIOLATIONS = 50;

export async function handleWebhook(req: WebhookRequest, deps: WebhookDeps): Promise<WebhookResponse> {
  const { source } = req;
  verifyHmac(source.verify, req.headers, req.rawBody, req.receivedAt);
  const body = parseJsonBody(req.rawBody);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new MalformedBodyError('body must be a JSON object');

  const type = eventField(body, source.event.type, 'type');
  const id = eventField(body, source.event.id, 'id');
  const validate = deps.definitions.eventSchemas.get(type);
  if (validate) {
    const violations = validate(body);
    if (violations.length) throw new SchemaViolationError(type, violations.slice(0, MAX_VIOLATIONS));
  }
  const event: FlowEvent = { id, type, source: source.name, receivedAt: req.receivedAt.toISOString(), body };
  const flows = await selectFlows(deps.definitions.flows, event);
  if (flows.length === 0) {
    deps.log.info({ eventId: id, eventType: type }, 'no flow for this event: acknowledged and ignored');
    return { status: 200, body: { status: 'ignored', eventId: id, eventType: type, runs: [] } };
  }
  const runs = await deps.startRuns(flows, event);
  const anyNew = runs.some((r) => !r.duplicate);
  return { status: anyNew ? 202 : 200, body: { status: anyNew ? 'accepted' : 'duplicate', eventId: id, eventType: type, runs } };
}

function eventField(body: object, path: string, what: string): string {
  const value = valueAt(body, path);
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  throw new SchemaViolationError('(unknown)', [{ path: `/${path.replace(/\./g, '/')}`, message: `event ${what} is missing: expected a string at "${path}"` }]);
}
