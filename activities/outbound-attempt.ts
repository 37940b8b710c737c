// One HTTP attempt to a destination, for a single delivery or a batch: behind the destination's
// breaker, its rate limit and its concurrency limit; signed; recorded on every delivery it carries
// (one attempt record each); counted for the breaker. Reports its outcome as data.
import type { Db } from 'mongodb';
import type { AttemptOutcome, DestinationSource } from '../engine/outbound';
import { failureRateReason } from '../engine/outbound-breaker';
import type { EgressPolicy } from '../lib/egress';
import type { OutboundMetrics } from '../lib/metrics';
import { insertOnce } from '../lib/insert-once';
import type { ActivityDeps } from './effects';
import { HostPacer } from './host-pacing';
import { concurrencyLeases } from './outbound-concurrency';
import { outboundAgents, postDelivery } from './outbound-send';
import { deliverySignature, signingKey } from './outbound-signing';
import { type OutboundCollections, admit, countOutcome, transition } from './outbound-store';
import { outboundWindow } from './outbound-window';
import { type SecretLookup, resolveSecret } from './secrets';

/** A rate-limited attempt whose turn is this close waits in the activity; a later turn, in the workflow. */
const MAX_WAIT_IN_ACTIVITY_MS = 1000;
/** At the concurrency limit: wait this long in the activity for a lease, then let the workflow ask again after CONCURRENCY_RETRY_MS. */
const LEASE_WAIT_MS = 1000;
const CONCURRENCY_RETRY_MS = 250;
/** A lease outlives its request's timeout by this much, for the attempt to be recorded; then another worker may take it over. */
const LEASE_MARGIN_MS = 30_000;

export interface AttemptDeps extends Pick<ActivityDeps, 'log'> {
  db: Db;
  c: OutboundCollections;
  destinations: DestinationSource;
  secrets: SecretLookup;
  egress: EgressPolicy;
  metrics?: OutboundMetrics;
  now: () => Date;
}

export interface AttemptRequest {
  destination: string;
  /** The delivery records this request carries (one, or a batch's members). */
  deliveryIds: string[];
  /** webhook-id: the message id, or the batch id. */
  webhookId: string;
  body: string;
  version?: string;
  attempt: number;
  slot?: number;
  /** Set on the members' records and attempts when a batch is sent. */
  batch?: string;
}

export function outboundAttempts(deps: AttemptDeps) {
  const { c } = deps;
  const agents = outboundAgents();
  const pacer = new HostPacer(deps.db, {});
  const leases = concurrencyLeases(deps.db);
  const window = outboundWindow(deps.db);
  return async (input: AttemptRequest): Promise<AttemptOutcome> => {
    const d = deps.destinations.get(input.destination);
    if (!d) return { kind: 'refused', reason: `destination ${input.destination} is no longer configured` };
    const admission = await admit(c, d.name, d.breaker, deps.now());
    if (!admission.send) {
      if ('disabled' in admission) {
        deps.metrics?.state(d.name, 'disabled');
        return { kind: 'refused', reason: `destination disabled: ${admission.disabled}` };
      }
      deps.metrics?.state(d.name, 'paused');
      return { kind: 'held', state: 'paused', retryAt: admission.retryAt.toISOString() };
    }
    // The rate limit: a turn claimed once per attempt; a turn over a second away is waited for by the workflow (a timer), not here.
    if (d.rateLimit) {
      const turn = input.slot ?? (await pacer.claimSlot(`destination:${d.name}`, d.rateLimit.perSecond));
      const wait = turn - Date.now();
      if (wait > MAX_WAIT_IN_ACTIVITY_MS) return { kind: 'held', state: 'rate-limited', retryAt: new Date(turn).toISOString(), slot: turn };
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const lease = d.concurrency ? await leases.acquire(d.name, d.concurrency, d.timeoutMs + LEASE_MARGIN_MS, LEASE_WAIT_MS) : undefined;
    if (d.concurrency && !lease) return { kind: 'held', state: 'concurrency-limited', retryAt: new Date(Date.now() + CONCURRENCY_RETRY_MS).toISOString() };
    const at = deps.now();
    let result: Awaited<ReturnType<typeof postDelivery>>;
    try {
      const secret = (name: string) => resolveSecret('outbound.attempt', deps.secrets, name);
      const url = typeof d.url === 'string' ? d.url : secret(d.url.secret);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(d.headers)) headers[k.toLowerCase()] = typeof v === 'string' ? v : secret(v.secret);
      if (d.versionHeader && input.version !== undefined) headers[d.versionHeader.toLowerCase()] = input.version;
      const keys = d.signing.secrets.map((name) => signingKey(d.signing.scheme, secret(name)));
      Object.assign(headers, deliverySignature(d.signing.scheme, keys, input.webhookId, Math.floor(at.getTime() / 1000), input.body));
      result = await postDelivery(url, headers, input.body, { timeoutMs: d.timeoutMs, egress: deps.egress, agents });
    } finally {
      await lease?.release();
    }
    const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
    await Promise.all(input.deliveryIds.map((id) => insertOnce(c.attempts, {
      _id: `${id}#${input.attempt}#${at.getTime()}`, delivery: id, destination: d.name, at, ms: result.ms, ...(input.batch && { batch: input.batch }),
      ...(result.status !== undefined && { status: result.status }), ...(result.error && { error: result.error }), ...(result.response && { response: result.response }),
    })));
    const set = { updatedAt: at, ...(input.batch && { batch: input.batch }), ...(result.status !== undefined && { lastStatus: result.status }), ...(ok ? { lastError: '' } : { lastError: result.error ?? 'failed' }) };
    if (input.deliveryIds.length === 1) await c.deliveries.updateOne({ _id: input.deliveryIds[0] }, { $inc: { attempts: 1 }, $set: set });
    else await c.deliveries.updateMany({ _id: { $in: input.deliveryIds } }, { $inc: { attempts: 1 }, $set: set });
    const state = await countOutcome(c, d.name, d.breaker, ok, at);
    const rate = d.breaker.failureRate && (await window.count(d.name, d.breaker.failureRate, ok, at, state?.activeSince));
    if (rate && rate.trips && d.breaker.failureRate) {
      await transition(c, d.name, 'active', { state: 'paused', pausedAt: at, probeAt: new Date(at.getTime() + d.breaker.probeAfterMs), reason: failureRateReason(rate, d.breaker.failureRate) }, at);
    }
    deps.metrics?.attempt(d.name, ok, result.ms);
    deps.metrics?.state(d.name, ok ? 'active' : rate?.trips || (state?.state === 'active' && state.consecutiveFailures >= d.breaker.consecutiveFailures) ? 'paused' : state?.state ?? 'active');
    if (ok) return { kind: 'delivered', status: result.status!, ms: result.ms };
    deps.log.warn({ destination: d.name, messageId: input.webhookId, attempt: input.attempt, status: result.status, error: result.error }, 'outbound attempt failed');
    return { kind: 'failed', ...(result.status !== undefined && { status: result.status }), error: result.error ?? 'failed', ms: result.ms, retryable: result.retryable };
  };
}
