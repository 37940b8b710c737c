// Admission control: a bound on webhook requests in progress (reading, storing, starting). Past
// it a request is refused at once with 503 + Retry-After, before its body is read and before
// anything is stored, so the provider's retry schedule takes over and the answers that are given
// stay fast. A refused request leaves nothing behind: no record, no run.
import type { Middleware } from 'koa';
import { UnavailableError } from '../lib/errors';

export interface Admission {
  middleware: Middleware;
  inFlight(): number;
  /** Requests refused since start. */
  refused(): number;
}

export function admissionControl(maxInFlight: number, retryAfterSeconds = 1): Admission {
  let inFlight = 0;
  let refused = 0;
  const middleware: Middleware = async (_ctx, next) => {
    if (inFlight >= maxInFlight) {
      refused++;
      throw new UnavailableError(`the ingress is at capacity (${maxInFlight} requests in progress); retry later`, retryAfterSeconds);
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
  return { middleware, inFlight: () => inFlight, refused: () => refused };
}
