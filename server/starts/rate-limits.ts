// rateLimit (docs/flows.md): at most `limit` runs of a flow per window of `period` (per key value),
// shared by every ingress replica; the excess is dropped. A window's admissions are slot documents
// "<flow>|<key>|<window>|<n>", n = 1..limit, claimed in lib/slot-store.ts. Each run's decision is then stored under "run|<workflow
// id>": the relay, a retried start or a duplicate finds it (a look-up by _id, cheap on FerretDB)
// and keeps it, so nothing counts twice or flips. Only a crash between the slot and the decision
// costs the window one slot.
import type { Collection, Db } from 'mongodb';
import { eventKeyOf } from '../../engine/idempotency';
import { checkedDurationMs } from '../../engine/duration';
import type { FlowDefinition, FlowEvent } from '../../engine/types';
import { UnavailableError, errorText } from '../../lib/errors';
import { insertOnce } from '../../lib/insert-once';
import { SlotStore, type SlotStoreOptions } from '../../lib/slot-store';
import { type PlannedRun, type RunStart, type RunStarter, runEvent } from './planned-runs';

/** What a fully dropped event marks on its delivery record. */
interface RateLimitedMark { markRateLimited(source: string, eventId: string): Promise<void> }

export const RATE_LIMITS_COLLECTION = 'hookflow_rate_limits';
/** What a dropped run's record says (RecordedRun.ignored), and the delivery's outcome when all its runs were dropped. */
export const RATE_LIMITED = 'rate_limited' as const;

/** A claimed slot (holder: the run's workflow id), or a run's decision (allowed). */
interface RateDoc { _id: string; holder?: string; allowed?: boolean; window?: string; expiresAt: Date }

export interface RateLimiterOptions {
  /** How long (s) a decision is kept after its window: at least as long as a retry or redelivery may come (the duplicate window). */
  keepSeconds: number;
  /** The clock that says when expired decisions are purged (windows come from the event's receivedAt). */
  clock?: SlotStoreOptions['clock'];
  /** Where a failed purge is reported. */
  log?: SlotStoreOptions['log'];
}

export interface RateDecisionResult {
  allowed: boolean;
  /** "<flow>|<key>|<window>": the window the run was counted in. */
  window: string;
}

export class RateLimiter {
  readonly collection: Collection<RateDoc>;
  private readonly slots: SlotStore<RateDoc>;

  constructor(db: Db, private readonly opts: RateLimiterOptions) {
    this.slots = new SlotStore<RateDoc>(db, RATE_LIMITS_COLLECTION, opts);
    this.collection = this.slots.collection;
  }

  /** Whether the run `holder` (its own workflow id) of `flow` for `event` may start: decided once, then kept. */
  async admit(flow: FlowDefinition, event: FlowEvent, holder: string): Promise<RateDecisionResult> {
    const spec = flow.rateLimit!;
    const periodMs = checkedDurationMs(spec.period);
    const index = Math.floor(Date.parse(event.receivedAt) / periodMs);
    const window = `${flow.name}|${await keyOf(flow, event)}|${index}`;
    const expiresAt = new Date((index + 1) * periodMs + this.opts.keepSeconds * 1000);

    const decisionId = `run|${holder}`;
    const earlier = await this.collection.findOne({ _id: decisionId });
    if (earlier) return { allowed: earlier.allowed === true, window: earlier.window ?? window };
    const allowed = (await this.slots.claim(window, 1, spec.limit, () => ({ holder, expiresAt }))) !== undefined;
    if (await insertOnce(this.collection, { _id: decisionId, allowed, window, expiresAt })) return { allowed, window };
    // Decided meanwhile by another attempt (the relay and a request at once): that decision stands.
    const decided = await this.collection.findOne({ _id: decisionId });
    return { allowed: decided?.allowed === true, window };
  }

  /** Deletes decisions whose window and keep time are over (no TTL indexes on FerretDB). */
  purgeExpired(): Promise<number> {
    return this.slots.purgeExpired();
  }
}

/** Events whose key is empty or missing share one window, named by the empty key. */
async function keyOf(flow: FlowDefinition, event: FlowEvent): Promise<string> {
  if (!flow.rateLimit?.key) return '';
  return eventKeyOf(flow.rateLimit.key, event, 'rate limit key', flow.name).catch(() => '');
}

/** An event none of whose runs started: rate_limited when the rate limits dropped them all. */
export const ignoredOutcome = (runs: RunStart[]): 'ignored' | 'rate_limited' => (runs.length && runs.every((r) => r.ignored === RATE_LIMITED) ? RATE_LIMITED : 'ignored');

/** The run's own identity: an entity-keyed event's run, not its entity's queue. */
const holderOf = (run: PlannedRun) => run.route?.eventWorkflowId ?? run.workflowId;

/**
 * Applies the flows' rate limits before `start`: a dropped run is answered as ignored
 * (rate_limited) and not started; when every run of the event was dropped, its delivery record
 * says rate_limited. Replays (admin API) are an operator's decision and are never limited.
 */
export function rateLimitedStarter(start: RunStarter, limiter: RateLimiter, deliveries: RateLimitedMark): RunStarter {
  return async (runs, event, eventLog) => {
    const limited = runs.filter((r) => r.flow.rateLimit && !r.replayOf);
    if (!limited.length) return start(runs, event, eventLog);
    const decisions = await Promise.all(limited.map((r) => limiter.admit(r.flow, runEvent(r, event), holderOf(r)))).catch((err) => {
      throw new UnavailableError('the rate limits cannot be read right now; retry later', 5, errorText(err));
    });
    const dropped = new Map(limited.flatMap((r, i) => (decisions[i].allowed ? [] : [[r, decisions[i].window] as const])));
    const started = await start(runs.filter((r) => !dropped.has(r)), event, eventLog);
    for (const [run, window] of dropped) eventLog?.info({ flow: run.flow.name, workflowId: holderOf(run), window }, 'rate limit reached: event dropped, no run');
    if (dropped.size === runs.length) {
      await deliveries.markRateLimited(event.source, event.id);
    }
    const results: RunStart[] = [];
    for (const run of runs) {
      results.push(dropped.has(run) ? { flow: run.flow.name, workflowId: run.workflowId, duplicate: false, ignored: RATE_LIMITED } : started.shift()!);
    }
    return results;
  };
}
