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

/** Destinations grouped at most (one issue each). */
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

interface Group { _id: string; count: number; firstSeen: Date; lastSeen: Date }

export async function destinationIssues(db: Db, docs: Map<string, IssueDoc>): Promise<DestinationIssue[]> {
  const events = db.collection<OutboundEvent>(OUTBOUND_EVENTS_COLLECTION);
  const groups = await events.aggregate<Group>([
    { $match: { kind: { $in: ['paused', 'disabled'] } } },
    { $group: { _id: '$destination', count: { $sum: 1 }, firstSeen: { $min: '$at' }, lastSeen: { $max: '$at' } } },
    { $sort: { lastSeen: -1 } },
    { $limit: MAX_DESTINATIONS },
  ]).toArray();
  return Promise.all(groups.map((g) => destinationIssue(db, g, docs)));
}

async function destinationIssue(db: Db, g: Group, docs: Map<string, IssueDoc>): Promise<DestinationIssue> {
  const name = g._id;
  const [latestDown, latest, state, failed] = await Promise.all([
    db.collection<OutboundEvent>(OUTBOUND_EVENTS_COLLECTION).find({ destination: name, kind: { $in: ['paused', 'disabled'] } }).sort({ at: -1 }).limit(1).next(),
    db.collection<OutboundEvent>(OUTBOUND_EVENTS_COLLECTION).find({ destination: name }).sort({ at: -1 }).limit(1).next(),
    db.collection<DestinationStateDoc>(DESTINATION_STATE_COLLECTION).findOne({ _id: name }),
    db.collection<OutboundRecord>(OUTBOUND_COLLECTION).countDocuments({ destination: name, status: 'failed' }),
  ]);
  const key = { destination: name };
  const id = issueId('destination', key);
  const now = state?.state ?? 'active';
  // Resumed since its last pause: resolved, as if someone had marked it so then.
  const resumed = now === 'active' && latest?.kind === 'resumed' ? { status: 'resolved' as const, statusAt: latest.at } : undefined;
  return {
    id, kind: 'destination', key, title: issueTitle('destination', key), count: g.count, firstSeen: g.firstSeen, lastSeen: g.lastSeen,
    status: effectiveStatus(docs.get(id)?.status ? docs.get(id) : resumed, g.lastSeen),
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
