// Which Temporal start (or signal-with-start) errors a retry can cure. Transient ones leave the
// event pending for the relay; permanent ones mark it failed at once, so nothing waits forever.
import { NamespaceNotFoundError, ServiceError, WorkflowNotFoundError, isGrpcServiceError } from '@temporalio/client';
import type { Logger } from 'pino';
import { StartRefusedError, UnavailableError } from '../../lib/errors';

/** The gRPC status codes (fixed by the gRPC spec) this module tells apart. */
const GRPC: Record<number, string> = {
  3: 'invalid_argument', 5: 'not_found', 6: 'already_exists', 8: 'resource_exhausted',
  9: 'failed_precondition', 11: 'out_of_range', 12: 'unimplemented',
};
const RESOURCE_EXHAUSTED = 8;

/**
 * Codes that say the request itself is wrong for this server or namespace. Everything else
 * (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, connection errors, UNKNOWN, INTERNAL, and
 * auth errors an operator fixes without touching the event) is retried, and the relay gives up
 * after a bounded time (server/deliveries/relay.ts).
 */
const PERMANENT = new Set<number>([3, 5, 6, 9, 11, 12]);

/** gRPC says RESOURCE_EXHAUSTED both for a rate limit (transient) and for a message over the size limit (permanent). */
const TOO_LARGE = /larger than max|message too large|exceeds (the )?(size )?limit|blob (data )?size/i;

/** A StartRefusedError when `err` can never succeed on retry; undefined when it may. */
export function permanentStartError(err: unknown): StartRefusedError | undefined {
  if (err instanceof StartRefusedError) return err;
  // The client turns NOT_FOUND into these (an unknown namespace, chiefly).
  if (err instanceof NamespaceNotFoundError || err instanceof WorkflowNotFoundError) return new StartRefusedError('not_found', err.message);
  const grpc = isGrpcServiceError(err) ? err : err instanceof ServiceError && isGrpcServiceError(err.cause) ? err.cause : undefined;
  if (!grpc) return undefined;
  const detail = grpc.details || grpc.message;
  if (TOO_LARGE.test(detail) && (grpc.code === RESOURCE_EXHAUSTED || PERMANENT.has(grpc.code))) return new StartRefusedError('payload_too_large', detail);
  if (!PERMANENT.has(grpc.code)) return undefined;
  return new StartRefusedError(GRPC[grpc.code], detail);
}

/**
 * What a failed start or signal-with-start becomes, logged once: the permanent refusal (the event
 * is marked failed), or a 503 whose event waits for the relay. `what` names the call in the log.
 */
export function startFailure(err: unknown, log: Logger, what: 'start' | 'signal', workflowId: string): StartRefusedError | UnavailableError {
  const refused = permanentStartError(err);
  if (refused) {
    log.error({ reason: refused.reason, err: (err as Error).message, workflowId }, `could not ${what} run: Temporal refused it for good`);
    return refused;
  }
  log.warn({ err: (err as Error).message, cause: ((err as Error).cause as Error | undefined)?.message, workflowId }, `could not ${what} run`);
  return new UnavailableError('the workflow engine cannot accept the event right now; retry later');
}
