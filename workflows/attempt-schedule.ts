// The attempt schedule of one outbound delivery, single or batch: attempts until one is delivered,
// refused, not retryable, past max attempts or past the deadline; waits between them (a durable
// timer) for the backoff with jitter, or until the destination's breaker or rate limit lets it
// try again. Workflow code: Math.random and Date.now are the workflow's, replayed from history.
import { sleep } from '@temporalio/workflow';
import { type AttemptOutcome, type DeliveryResult, type RetrySchedule, backoffMs } from '../engine/outbound';

export interface AttemptSchedule {
  retry: RetrySchedule;
  /** Epoch ms past which no attempt starts (the message's time plus the schedule's max age). */
  deadline: number;
  attemptsSoFar: number;
  /** One attempt, numbered from 1; `slot` is the rate-limit turn a held attempt was given. */
  attempt(attempt: number, slot: number | undefined): Promise<AttemptOutcome>;
  /** After each wait, with the attempts so far: where a long history continues as new. */
  afterWait(attempts: number): Promise<void>;
}

export async function attemptOnSchedule(s: AttemptSchedule): Promise<DeliveryResult> {
  let attempts = s.attemptsSoFar;
  let slot: number | undefined;
  for (;;) {
    const outcome = await s.attempt(attempts + 1, slot);
    slot = outcome.kind === 'held' && outcome.state === 'rate-limited' ? outcome.slot : undefined;
    if (outcome.kind === 'delivered') return { status: 'delivered', attempts: attempts + 1 };
    if (outcome.kind === 'refused') return { status: 'failed', attempts, reason: outcome.reason };
    let wait: number;
    if (outcome.kind === 'held') {
      wait = Math.max(0, Date.parse(outcome.retryAt) - Date.now());
    } else {
      attempts++;
      if (!outcome.retryable) return { status: 'failed', attempts, reason: outcome.error };
      if (attempts >= s.retry.maxAttempts) return { status: 'failed', attempts, reason: `${attempts} attempts failed, the last: ${outcome.error}` };
      wait = backoffMs(attempts, s.retry, Math.random());
    }
    if (Date.now() + wait > s.deadline) return { status: 'failed', attempts, reason: `past the maximum age (${s.retry.maxAgeMs} ms) after ${attempts} attempts` };
    await sleep(wait);
    await s.afterWait(attempts);
  }
}
