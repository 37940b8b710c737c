// A destination's batch queue (destinations with `batch:`): publish steps and operator retries
// signal messages in; the queue sends them in batches of up to maxEvents, or what arrived within
// maxWait of the oldest waiting one, one batch at a time, each on the destination's retry
// schedule like a single delivery (engine/outbound-batch.ts has the body's shape). Keys seen
// lately are ignored, so a retried publish step enqueues nothing twice. Continues as new when
// its history grows, carrying what waits; closes after an hour without messages (the next one
// starts it again). Deterministic: only @temporalio/workflow and pure modules.
import { condition, continueAsNew, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AttemptOutcome } from '../engine/outbound';
import { attemptOnSchedule } from './attempt-schedule';
import { type BatchAttemptInput, type BatchQueueInput, type BatchRecordInput, type EnqueuedMessage, OUTBOUND_ENQUEUE_SIGNAL } from '../engine/outbound-batch';

interface BatchActivities {
  'outbound.attemptBatch'(input: BatchAttemptInput): Promise<AttemptOutcome>;
  'outbound.recordBatch'(input: BatchRecordInput): Promise<void>;
}

const activities = proxyActivities<BatchActivities>({ startToCloseTimeout: '2m', retry: { initialInterval: '1s', maximumInterval: '1m' } });

export const enqueueSignal = defineSignal<[EnqueuedMessage]>(OUTBOUND_ENQUEUE_SIGNAL);

const HISTORY_LIMIT = 5_000;
/** Keys remembered for deduplication (a publish step is retried within minutes, not after thousands of messages). */
const SEEN_KEPT = 5_000;
const IDLE_MS = 3_600_000;

export async function runOutboundBatch(input: BatchQueueInput): Promise<void> {
  const { destination } = input;
  const pending = [...(input.pending ?? [])];
  const seen = [...(input.seen ?? [])];
  const seenKeys = new Set(seen);
  setHandler(enqueueSignal, (e) => {
    if (seenKeys.has(e.key)) return;
    seenKeys.add(e.key);
    seen.push(e.key);
    if (seen.length > SEEN_KEPT) seenKeys.delete(seen.shift()!);
    pending.push({ ...e, arrivedAt: Date.now() });
  });
  const carry = (inFlight?: BatchQueueInput['inFlight']) => continueAsNew<typeof runOutboundBatch>({ destination, pending, seen, ...(inFlight && { inFlight }) });
  const historyFull = () => workflowInfo().historyLength > HISTORY_LIMIT || workflowInfo().continueAsNewSuggested;

  /** One batch on the retry schedule of the newest member's settings; every member's record says how it ended. */
  const deliver = async (members: EnqueuedMessage[], attemptsSoFar: number): Promise<void> => {
    const messages = members.map((m) => m.message);
    const retry = members[members.length - 1].retry;
    const deadline = Math.min(...members.map((m) => Date.parse(m.requestedAt ?? m.message.publishedAt))) + retry.maxAgeMs;
    const result = await attemptOnSchedule({
      retry, deadline, attemptsSoFar,
      attempt: (attempt, slot) => activities['outbound.attemptBatch']({ destination, messages, attempt, ...(slot !== undefined && { slot }) }),
      afterWait: async (attempts) => {
        if (historyFull()) await carry({ members, attempts });
      },
    });
    await activities['outbound.recordBatch']({ destination, messageIds: messages.map((m) => m.id), result });
  };

  if (input.inFlight) await deliver(input.inFlight.members, input.inFlight.attempts);
  for (;;) {
    if (!(await condition(() => pending.length > 0, IDLE_MS)) && pending.length === 0) return;
    const settings = () => pending[pending.length - 1].batch;
    const waitLeft = (pending[0].arrivedAt ?? Date.now()) + settings().maxWaitMs - Date.now();
    if (pending.length < settings().maxEvents && waitLeft > 0) await condition(() => pending.length >= settings().maxEvents, waitLeft);
    await deliver(pending.splice(0, settings().maxEvents), 0);
    if (historyFull()) await carry();
  }
}
