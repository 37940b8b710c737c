// One delivery of one message to one destination: attempts on the destination's schedule
// (exponential backoff with jitter, max attempts, max age), each attempt an activity that reports
// its outcome as data. While the destination's breaker holds it, the delivery waits (a durable
// timer) and asks again; a disabled destination fails it, for an operator to retry. Every
// destination's deliveries are their own workflows, so a slow receiver delays only its own.
// Deterministic: only @temporalio/workflow and pure modules (Math.random and Date.now are the
// workflow's, replayed from history).
import { continueAsNew, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { AttemptOutcome, DeliveryInput, DeliveryResult, OutboundMessage } from '../engine/outbound';
import { attemptOnSchedule } from './attempt-schedule';

interface OutboundActivities {
  'outbound.attempt'(input: { destination: string; message: OutboundMessage; attempt: number; slot?: number }): Promise<AttemptOutcome>;
  'outbound.record'(input: { destination: string; messageId: string; result: DeliveryResult }): Promise<void>;
}

// Failures of the activity itself (MongoDB unreachable, a worker lost) are retried by Temporal;
// the receiver's answers are not failures here and follow the destination's schedule.
const activities = proxyActivities<OutboundActivities>({ startToCloseTimeout: '2m', retry: { initialInterval: '1s', maximumInterval: '1m' } });

/**
 * A delivered attempt writes the delivery's final status itself (outbound.attempt), so a run that
 * delivered ends without an outbound.record activity: one activity task and one workflow task
 * fewer per delivery (docs/outbound.md "Scale"). Runs from before it still record.
 */
export const DELIVERED_IN_ATTEMPT_PATCH = 'hookflow-outbound-delivered-in-attempt';

/** Past this many history events, a delivery continues as new (a long pause re-checks every probeAfter). */
const HISTORY_LIMIT = 5_000;

export async function deliverOutbound(input: DeliveryInput): Promise<DeliveryResult> {
  const { destination, message, retry } = input;
  const deadline = Date.parse(input.manual?.requestedAt ?? message.publishedAt) + retry.maxAgeMs;
  const result = await attemptOnSchedule({
    retry, deadline, attemptsSoFar: input.attemptsSoFar ?? 0,
    attempt: (attempt, slot) => activities['outbound.attempt']({ destination, message, attempt, ...(slot !== undefined && { slot }) }),
    afterWait: async (attempts) => {
      if (workflowInfo().historyLength > HISTORY_LIMIT) await continueAsNew<typeof deliverOutbound>({ ...input, attemptsSoFar: attempts });
    },
  });
  if (result.status === 'delivered' && patched(DELIVERED_IN_ATTEMPT_PATCH)) return result;
  await activities['outbound.record']({ destination, messageId: message.id, result });
  return result;
}
