// Query-string filters of the admin API, checked and turned into a MongoDB filter on delivery
// records. Pure: every mistake is a 400 that says which parameter and what is expected.
import type { Filter } from 'mongodb';
import { HookflowError } from '../../lib/errors';
import type { DeliveryRecord, Outcome } from '../deliveries';

export class BadQueryError extends HookflowError {
  constructor(message: string) { super('bad_query', 400, message); }
}

export interface DeliveryFilter {
  source?: string;
  eventType?: string;
  eventId?: string;
  /** An outcome, or the relay state of accepted events: pending (not started yet) or failed (never will be). */
  outcome?: OutcomeFilter;
  reason?: string;
  flow?: string;
  since?: Date;
  until?: Date;
  /** Text the stored body contains (case-insensitive, literal: no pattern syntax). */
  q?: string;
}

export interface Page {
  limit: number;
  /** Opaque: the receivedAt and _id of the last item of the previous page. */
  cursor?: { receivedAt: Date; id: string };
}

export type OutcomeFilter = Outcome | 'pending' | 'failed';
export const OUTCOMES: readonly OutcomeFilter[] = ['accepted', 'duplicate', 'ignored', 'rejected', 'handshake', 'rate_limited', 'pending', 'failed'];
const MAX_LIMIT = 500;

type Query = Record<string, string | string[] | undefined>;

function one(query: Query, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) throw new BadQueryError(`"${name}" is given ${v.length} times; give it once`);
  return v === '' ? undefined : v;
}

/** An instant: a date-time with its zone (Z or ±HH:MM). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * An ISO date-time with its zone. A time without one (09:00, 2026-11-23T09:00) is refused: the
 * ingress cannot know the operator's time zone, and reading it as UTC or as the server's zone gives
 * another hour than meant. bin/hookflow reads such times as local (cli/times.ts) and sends instants.
 */
export function parseTime(value: string, name: string): Date {
  const text = value.trim();
  const d = INSTANT.test(text) ? new Date(text) : undefined;
  if (d && !Number.isNaN(d.getTime())) return d;
  if (/^\d{1,2}:\d{2}(:\d{2})?$|^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?$/.test(text)) throw new BadQueryError(`"${name}" ${text} has no time zone, and the ingress cannot know yours: give an instant such as 2026-11-23T09:00:00Z or 2026-11-23T09:00+01:00 (bin/hookflow --${name} ${text} reads it as your local time)`);
  throw new BadQueryError(`"${name}" must be an ISO date-time with its zone (2026-11-23T09:00:00Z or 2026-11-23T09:00+01:00), got "${value}"`);
}

export const FILTER_PARAMS = ['source', 'eventType', 'type', 'eventId', 'outcome', 'reason', 'flow', 'since', 'until', 'q'];
const MAX_SEARCH = 200;
export const PAGE_PARAMS = ['limit', 'cursor'];

/** A misspelt filter would silently widen a list or, worse, a bulk replay: refuse it. */
export function rejectUnknown(query: Query, allowed: string[]): void {
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new BadQueryError(`unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k.slice(0, 50)}"`).join(', ')}; known: ${allowed.join(', ')}`);
}

export function parseDeliveryFilter(query: Query): DeliveryFilter {
  const outcome = one(query, 'outcome');
  if (outcome !== undefined && !OUTCOMES.includes(outcome as OutcomeFilter)) throw new BadQueryError(`"outcome" must be one of ${OUTCOMES.join(', ')}, got "${outcome}"`);
  const since = one(query, 'since');
  const until = one(query, 'until');
  const q = one(query, 'q');
  if (q !== undefined && q.length > MAX_SEARCH) throw new BadQueryError(`"q" (text in the body) may be at most ${MAX_SEARCH} characters`);
  const filter: DeliveryFilter = {
    source: one(query, 'source'),
    eventType: one(query, 'eventType') ?? one(query, 'type'),
    eventId: one(query, 'eventId'),
    outcome: outcome as OutcomeFilter | undefined,
    reason: one(query, 'reason'),
    flow: one(query, 'flow'),
    since: since ? parseTime(since, 'since') : undefined,
    until: until ? parseTime(until, 'until') : undefined,
    q,
  };
  if (filter.since && filter.until && filter.since > filter.until) throw new BadQueryError('"since" is after "until"');
  return filter;
}

export function parsePage(query: Query): Page {
  const limitText = one(query, 'limit');
  const limit = limitText === undefined ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new BadQueryError(`"limit" must be a whole number from 1 to ${MAX_LIMIT}`);
  const cursorText = one(query, 'cursor');
  if (cursorText === undefined) return { limit };
  try {
    const { t, id } = JSON.parse(Buffer.from(cursorText, 'base64url').toString('utf8')) as { t: string; id: string };
    const receivedAt = new Date(t);
    if (typeof id !== 'string' || Number.isNaN(receivedAt.getTime())) throw new Error('shape');
    return { limit, cursor: { receivedAt, id } };
  } catch {
    throw new BadQueryError('"cursor" is not one this API gave out; start again without it');
  }
}

export function encodeCursor(record: Pick<DeliveryRecord, 'receivedAt' | '_id'>): string {
  return Buffer.from(JSON.stringify({ t: record.receivedAt.toISOString(), id: record._id })).toString('base64url');
}

/** Newest first; the cursor continues strictly after the last item shown. */
export function toMongoFilter(filter: DeliveryFilter, page?: Page): Filter<DeliveryRecord> {
  const and: Filter<DeliveryRecord>[] = [];
  if (filter.source) and.push({ source: filter.source });
  if (filter.eventType) and.push({ eventType: filter.eventType });
  if (filter.eventId) and.push({ eventId: filter.eventId });
  if (filter.outcome === 'pending' || filter.outcome === 'failed') and.push({ 'relay.state': filter.outcome });
  // An event that also started other flows is accepted: its dropped runs still count as rate_limited.
  else if (filter.outcome === 'rate_limited') and.push({ $or: [{ outcome: 'rate_limited' }, { 'runs.ignored': 'rate_limited' }] });
  else if (filter.outcome) and.push({ outcome: filter.outcome });
  if (filter.reason) and.push({ reason: filter.reason });
  if (filter.flow) and.push({ 'runs.flow': filter.flow });
  if (filter.since) and.push({ receivedAt: { $gte: filter.since } });
  if (filter.until) and.push({ receivedAt: { $lte: filter.until } });
  if (filter.q) and.push({ 'body.text': { $regex: filter.q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), $options: 'i' } });
  if (page?.cursor) {
    const { receivedAt, id } = page.cursor;
    and.push({ $or: [{ receivedAt: { $lt: receivedAt } }, { receivedAt, _id: { $lt: id } }] });
  }
  return and.length ? { $and: and } : {};
}
