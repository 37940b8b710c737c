// Outbound destinations in the issues inbox: every destination the breaker or an operator paused
// or disabled is one issue, read from the operator events the worker and the admin API write
// (hookflow_outbound_events, kept as it is): its count is the number of pauses and disables, first
// and last seen their times, and it says what to do — resume it, retry what failed. Once the
// destination is resumed after its last pause the issue reads resolved (unless people set a status).
import type { Db } from 'mongodb';
import {
  type DestinationStateDoc, type OutboundEvent, type OutboundRecord,
  DESTINATION_STATE_COLLECTION, OUTBOUND_COLLECTION, OUTBOUND_EVENTS_COLLECTION,
} from '../../../engine/outbound-records';
import { type IssueDoc, effectiveStatus, issueId, issueTitle } from './store';

/** Destinations shown at most (one issue each). */
const MAX_DESTINATIONS = 1000;

export interface DestinationIssue {
  id: string;
  kind: 'destination';
  key: { destination: string };
  title: string;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  status: ReturnType<typeof effectiveStatus>;
  sample: { message: string };
  /** What an operator does about it, in words with the command and the console's button. */
  todo: string[];
  /** The destination's state now, and its failed deliveries waiting for a retry. */
  state: DestinationStateDoc['state'];
  failed: number;
}

export async function destinationIssues(db: Db, docs: Map<string, IssueDoc>): Promise<DestinationIssue[]> {
  // FerretDB 1.24's $group has no $min or $max: the destinations, then each one's own reads (index destination_at).
  const names = (await db.collection<OutboundEvent>(OUTBOUND_EVENTS_COLLECTION).distinct('destination', { kind: { $in: ['paused', 'disabled'] } })).slice(0, MAX_DESTINATIONS);
  const found = await Promise.all(names.map((name) => destinationIssue(db, name, docs)));
  return found.sort((a, b) => b.lastSeen.getTime() - a.lastSeen.getTime());
}

async function destinationIssue(db: Db, name: string, docs: Map<string, IssueDoc>): Promise<DestinationIssue> {
  const events = db.collection<OutboundEvent>(OUTBOUND_EVENTS_COLLECTION);
  const down = { destination: name, kind: { $in: ['paused', 'disabled'] as OutboundEvent['kind'][] } };
  const [count, firstDown, latestDown, latest, state, failed] = await Promise.all([
    events.countDocuments(down),
    events.find(down).sort({ at: 1 }).limit(1).next(),
    events.find(down).sort({ at: -1 }).limit(1).next(),
    events.find({ destination: name }).sort({ at: -1 }).limit(1).next(),
    db.collection<DestinationStateDoc>(DESTINATION_STATE_COLLECTION).findOne({ _id: name }),
    db.collection<OutboundRecord>(OUTBOUND_COLLECTION).countDocuments({ destination: name, status: 'failed' }),
  ]);
  const key = { destination: name };
  const id = issueId('destination', key);
  const now = state?.state ?? 'active';
  const lastSeen = latestDown?.at ?? new Date(0);
  // Resumed since its last pause: resolved, as if someone had marked it so then.
  const resumed = now === 'active' && latest?.kind === 'resumed' ? { status: 'resolved' as const, statusAt: latest.at } : undefined;
  return {
    id, kind: 'destination', key, title: issueTitle('destination', key), count, firstSeen: firstDown?.at ?? lastSeen, lastSeen,
    status: effectiveStatus(docs.get(id)?.status ? docs.get(id) : resumed, lastSeen),
    sample: { message: latestDown ? `${latestDown.kind}: ${latestDown.reason}` : now },
    todo: todoOf(name, now, failed),
    state: now,
    failed,
  };
}

function todoOf(name: string, state: DestinationStateDoc['state'], failed: number): string[] {
  const todo: string[] = [];
  if (state !== 'active') {
    todo.push(`resume it once its receiver answers again: hookflow destinations resume ${name} (or Resume on the console's Outbound page)${state === 'paused' ? '; the breaker also probes it and resumes it on a success' : ''}`);
  }
  if (failed) todo.push(`retry its ${failed} failed deliveries${state !== 'active' ? ' after resuming it' : ''}: hookflow outbound retry --destination ${name} (or "Retry ${failed} failed" on the Outbound page)`);
  return todo;
}
