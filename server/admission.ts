// Admission control: a bound on webhook requests in progress (reading, storing, starting). Past
// it a request is refused at once with 503 + Retry-After, before its body is read and before
// anything is stored, so the provider's retry schedule takes over and the answers that are given
// stay fast. A refused request leaves nothing behind: no record, no run.
//
// The bound is `maxInFlight`. With `targetMs`, it tightens while answers are slow: when the
// recent answer time (a moving average) is over it, only `floor` requests are admitted at once,
// so the ingress stops queueing work it cannot finish in time, and recovers as soon as answers are
// fast again. Off by default: on a machine slow for other reasons (CPU taken by other processes)
// answers are slow without any queue, and the tighter bound then only lowers what is accepted
// (docs/benchmarks.md).
import type { Middleware } from 'koa';
import { UnavailableError } from '../lib/errors';

export interface AdmissionOptions {
  maxInFlight: number;
  /** Answer time (ms) above which admission tightens to `floor` requests in progress; unset, it never does. */
  targetMs?: number;
  floor?: number;
  retryAfterSeconds?: number;
  /** Milliseconds from some origin; tests drive it. */
  now?: () => number;
}

export interface Admission {
  middleware: Middleware;
  inFlight(): number;
  /** Requests refused since start. */
  refused(): number;
}

/** A request refused at admission: cheap by design, so its only log line is the request's own. */
export class OverloadedError extends UnavailableError {}

/** Weight of the newest answer time in the moving average. */
const EWMA_WEIGHT = 0.1;

export function admissionControl(opts: AdmissionOptions): Admission {
  const { maxInFlight, targetMs = Infinity, retryAfterSeconds = 1, now = () => performance.now() } = opts;
  const floor = Math.min(maxInFlight, opts.floor ?? 8);
  let inFlight = 0;
  let refused = 0;
  let averageMs = 0;
  const middleware: Middleware = async (_ctx, next) => {
    const bound = averageMs > targetMs ? floor : maxInFlight;
    if (inFlight >= bound) {
      refused++;
      throw new OverloadedError(`the ingress is at capacity (${inFlight} requests in progress); retry later`, retryAfterSeconds);
    }
    inFlight++;
    const began = now();
    try {
      await next();
    } finally {
      inFlight--;
      averageMs += EWMA_WEIGHT * (now() - began - averageMs);
    }
  };
  return { middleware, inFlight: () => inFlight, refused: () => refused };
}
