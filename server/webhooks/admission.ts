// Admission control: a bound on webhook requests in progress (reading, storing, starting). Past
// it a request is refused at once with 503 + Retry-After, before its body is read and before
// anything is stored, so the provider's retry schedule takes over and the answers that are given
// stay fast. A refused request leaves nothing behind: no record, no run.
//
// The bound follows what the ingress measures (admission-limit.ts): about `targetMs` of
// queueing at the rate requests are being completed, never below `floor`, never above
// `maxInFlight`, and `maxInFlight` while nothing is queued. With `targetMs` 0 (the default) it is
// `maxInFlight`, fixed: the measured bound also refused at half load on a busy machine (docs/benchmarks.md).
import type { Middleware } from 'koa';
import { OverloadedError } from '../../lib/errors';
import { AdaptiveLimit } from './admission-limit';

export interface AdmissionOptions {
  maxInFlight: number;
  /** Queueing time (ms) allowed on top of the no-queue answer time; 0 keeps the bound at maxInFlight. */
  targetMs?: number;
  floor?: number;
  retryAfterSeconds?: number;
  /** Milliseconds from some origin; tests drive it. */
  now?: () => number;
}

export interface Admission {
  middleware: Middleware;
  inFlight(): number;
  /** Requests that may be in progress at once, now. */
  bound(): number;
  /** Requests refused since start. */
  refused(): number;
}

/** A request refused at admission: cheap by design, so its only log line is the request's own, at debug. */

export const DEFAULT_ADMISSION_TARGET_MS = 0;
export const DEFAULT_ADMISSION_FLOOR = 8;

export function admissionControl(opts: AdmissionOptions): Admission {
  const { maxInFlight, targetMs = DEFAULT_ADMISSION_TARGET_MS, retryAfterSeconds = 1, now = () => performance.now() } = opts;
  const limit = targetMs > 0 ? new AdaptiveLimit({ floor: opts.floor ?? DEFAULT_ADMISSION_FLOOR, ceiling: maxInFlight, targetQueueMs: targetMs }) : undefined;
  let inFlight = 0;
  let refused = 0;
  const bound = () => (limit ? limit.bound(now()) : maxInFlight);
  const middleware: Middleware = async (_ctx, next) => {
    if (inFlight >= bound()) {
      refused++;
      limit?.refused(now());
      throw new OverloadedError(`the ingress is at capacity (${inFlight} requests in progress); retry later`, retryAfterSeconds);
    }
    inFlight++;
    const ticket = limit?.admitted(now());
    try {
      await next();
    } finally {
      inFlight--;
      if (ticket) limit!.completed(now(), ticket);
    }
  };
  return { middleware, inFlight: () => inFlight, bound, refused: () => refused };
}
