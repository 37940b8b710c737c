// Outbound webhooks: what the publish step, the delivery workflow and the destination loader
// share. A delivery workflow carries only the schedule it follows (no URL, no secret): the worker
// reads the destination's current URL and secrets at each attempt, so a rotation or a moved
// endpoint applies to deliveries already retrying. Pure: runs inside workflow code.

export const OUTBOUND_DELIVERY_WORKFLOW_TYPE = 'deliverOutbound';
export const PUBLISH_ACTIVITY = 'webhook.publish';
export const OUTBOUND_ATTEMPT_ACTIVITY = 'outbound.attempt';
export const OUTBOUND_RECORD_ACTIVITY = 'outbound.record';

/** How a delivery is retried: exponential backoff with jitter, bounded by attempts and age. */
export interface RetrySchedule {
  initialMs: number;
  maxIntervalMs: number;
  multiplier: number;
  /** 0..1: each wait is drawn from [wait × (1 − jitter), wait]. */
  jitter: number;
  maxAttempts: number;
  maxAgeMs: number;
}

export const DEFAULT_RETRY: RetrySchedule = { initialMs: 5_000, maxIntervalMs: 3_600_000, multiplier: 2, jitter: 0.2, maxAttempts: 10, maxAgeMs: 3 * 86_400_000 };

/** One event as it goes out: the same id, type, version and data for every destination. */
export interface OutboundMessage {
  /** The Standard Webhooks message id (webhook-id): stable across the publish step's retries. */
  id: string;
  type: string;
  version?: string;
  data: unknown;
  /** When the publish step ran (ISO 8601): the body's timestamp, and the start of max age. */
  publishedAt: string;
}

export interface DeliveryInput {
  destination: string;
  message: OutboundMessage;
  retry: RetrySchedule;
  /** A retry an operator asked for: the delivery's record to reopen (same message, new attempts). */
  manual?: { requestedAt: string };
  /** Attempts made before a continue-as-new (a long pause re-checks the breaker many times). */
  attemptsSoFar?: number;
}

/** What one attempt came to, as the attempt activity reports it (it does not throw for an HTTP failure). */
export type AttemptOutcome =
  | { kind: 'delivered'; status: number; ms: number }
  | { kind: 'failed'; status?: number; error: string; ms: number; retryable: boolean }
  /** The destination's breaker is open: nothing was sent; ask again at `retryAt`. */
  | { kind: 'held'; retryAt: string; state: 'paused' }
  /** Over the destination's rate limit: the slot at `retryAt` is this delivery's; send then, passing `slot`. */
  | { kind: 'held'; retryAt: string; state: 'rate-limited'; slot: number }
  /** At the destination's concurrency limit: nothing was sent; ask again at `retryAt` (soon). */
  | { kind: 'held'; retryAt: string; state: 'concurrency-limited' }
  /** The destination is disabled (or gone): nothing was sent, and the delivery fails until an operator retries it. */
  | { kind: 'refused'; reason: string };

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryResult {
  status: Exclude<DeliveryStatus, 'pending'>;
  attempts: number;
  reason?: string;
}

/** The wait before attempt `attempt + 1` (attempt counts from 1), `random` in [0, 1). */
export function backoffMs(attempt: number, retry: RetrySchedule, random: number): number {
  const base = Math.min(retry.maxIntervalMs, retry.initialMs * Math.pow(retry.multiplier, Math.max(0, attempt - 1)));
  return Math.max(0, Math.round(base * (1 - retry.jitter * random)));
}

/** `order.*` matches `order.shipped` and `order.line.added`; `*` matches every type; others match exactly. */
export function typeMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

export const subscribes = (patterns: readonly string[], type: string): boolean => patterns.some((p) => typeMatches(p, type));

/** One workflow per destination and message: a second start of it (a retried publish step) is refused by Temporal. */
export const deliveryWorkflowId = (destination: string, messageId: string): string => `outbound:${destination}:${messageId}`;

/** The request body: Standard Webhooks' shape (type, timestamp, data), with the version when there is one. */
export function messageBody(m: OutboundMessage): Record<string, unknown> {
  return { type: m.type, timestamp: m.publishedAt, ...(m.version !== undefined && { version: m.version }), data: m.data };
}

export type SigningScheme = 'standard-webhooks' | 'hookflow-hmac';
export type SecretRef = { secret: string };

/** When a failing destination is paused (probed every probeAfterMs) and then disabled. */
export interface BreakerSettings {
  consecutiveFailures: number;
  probeAfterMs: number;
  disableAfterMs: number;
  /** Also pause when over `over` (0..1) of the attempts in the last `windowMs` failed, once there were `minAttempts`. */
  failureRate?: FailureRateSettings;
}

export interface FailureRateSettings { over: number; windowMs: number; minAttempts: number }

/** A destination file, checked (definitions/destinations.ts). Secrets are environment variable names. */
export interface DestinationDefinition {
  name: string;
  file: string;
  url: string | SecretRef;
  events: string[];
  signing: { scheme: SigningScheme; secrets: string[] };
  versionHeader?: string;
  headers: Record<string, string | SecretRef>;
  timeoutMs: number;
  retry: RetrySchedule;
  breaker: BreakerSettings;
  /** Attempts per second across every worker. */
  rateLimit?: { perSecond: number };
  /** Attempts in flight at once across every worker. */
  concurrency?: number;
  /** Several messages in one request (workflows/outbound-batch.ts): up to maxEvents, or what came within maxWaitMs of the first. */
  batch?: BatchSettings;
}

export interface BatchSettings { maxEvents: number; maxWaitMs: number }

/** What the worker's activities read destinations through (the live-reloaded store). */
export interface DestinationSource {
  current(): readonly DestinationDefinition[];
  get(name: string): DestinationDefinition | undefined;
}
