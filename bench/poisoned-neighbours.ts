// Poisoned neighbours (issue 25): the same steady payment traffic measured twice, alone and
// beside a few events whose first step retries for minutes (payment.succeeded for orders that do
// not exist: mark-order-paid retries DocumentNotFound with backoff up to a minute). The figure is
// the p99 completion latency (a run's start to its close in Temporal) of the ordinary runs beside
// the poisoned ones against alone (half sent before them, half after they are terminated); target ≤ 1.5×. Used by npm run chaos (chaos/scenarios/
// poisoned.ts, which also checks nothing is lost or doubled) and by npm run bench.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { waitForClosed } from './e2e';
import { runLanes } from './lanes';
import { type LatencySummary, ratio, summarizeLatencies } from './stats';

export const POISONED_EVENTS = 5;
/** The payment flow's run for an event (flows/payment-succeeded.yaml, source payments). */
export const paymentRunId = (eventId: string) => `payment-succeeded:payments:${eventId}`;

export interface NeighbourEvent { id: string; body: string }

export interface PoisonedPlan<E extends NeighbourEvent = NeighbourEvent> {
  client: Client;
  taskQueue: string;
  /** Delivers one event; true once acknowledged (2xx). */
  send(event: E): Promise<boolean>;
  /** The ordinary traffic: `alone` is sent half before and half after the poisoned runs, each half as long as `beside`. */
  alone: E[];
  beside: E[];
  poisoned: E[];
  ratePerSec: number;
  maxMs: number;
  say(message: string): void;
}

export interface PoisonedFigures {
  alone: LatencySummary;
  /** Each half of `alone`: a large difference between them says the machine's load drifted. */
  aloneBefore: LatencySummary;
  aloneAfter: LatencySummary;
  beside: LatencySummary;
  /** p99 beside the poisoned runs over p99 alone. */
  p99Ratio: number;
  /** Ordinary runs that did not complete (failed, or not closed within maxMs). */
  notCompleted: number;
  /** Failed attempts each poisoned run had recorded when the ordinary traffic had all completed. */
  poisonedRetries: number[];
  /** Poisoned runs still retrying then (they must be: otherwise the traffic ran beside nothing); terminated after. */
  poisonedRunning: number;
}

export async function measurePoisonedNeighbours<E extends NeighbourEvent>(plan: PoisonedPlan<E>): Promise<PoisonedFigures> {
  const { client, taskQueue } = plan;
  // The traffic alone is sent half before and half after the poisoned runs, so a machine whose
  // load drifts during the measurement weighs on both sides alike.
  // Each half is as long as the batch beside them: in a saturated system latency grows with a batch's length.
  const half = Math.ceil(plan.alone.length / 2);
  const first = await sendAndWait(plan.alone.slice(0, half), 0);
  plan.say(`  alone (first half): ${first.latencies.length}/${half} completed, p99 ${summarizeLatencies(first.latencies).p99} ms`);

  for (const e of plan.poisoned) if (!(await plan.send(e))) throw new Error(`poisoned event ${e.id} was not acknowledged`);
  const poisonedHandles = plan.poisoned.map((e) => client.workflow.getHandle(paymentRunId(e.id)));
  await until(plan.maxMs, 'the poisoned runs to be taken by a worker', async () => {
    const histories = await Promise.all(poisonedHandles.map((h) => h.fetchHistory().catch(() => undefined)));
    return histories.every((h) => h?.events?.some((e) => e.workflowTaskStartedEventAttributes));
  });
  plan.say(`  ${plan.poisoned.length} poisoned events retrying; ${plan.beside.length} events beside them`);
  const beside = await sendAndWait(plan.beside, first.closed);
  const poisonedRetries = await Promise.all(poisonedHandles.map(failedAttempts));
  const statuses = await Promise.all(poisonedHandles.map(async (h) => (await h.describe()).status.name));
  await Promise.all(poisonedHandles.map((h) => h.terminate('poisoned neighbours: measured').catch(() => undefined)));

  const second = await sendAndWait(plan.alone.slice(half), beside.closed + plan.poisoned.length);
  const aloneLatencies = [...first.latencies, ...second.latencies];
  const a = summarizeLatencies(aloneLatencies);
  const b = summarizeLatencies(beside.latencies);
  return {
    alone: a, beside: b, p99Ratio: ratio(b.p99, a.p99),
    aloneBefore: summarizeLatencies(first.latencies), aloneAfter: summarizeLatencies(second.latencies),
    notCompleted: plan.alone.length + plan.beside.length - aloneLatencies.length - beside.latencies.length,
    poisonedRetries, poisonedRunning: statuses.filter((s) => s === 'RUNNING').length,
  };

  async function sendAndWait(events: E[], closedBefore: number) {
    const lanes = await runLanes({ count: events.length, concurrency: 16, ratePerSec: plan.ratePerSec, maxMs: plan.maxMs, send: async (i) => String(await plan.send(events[i])) });
    const acked = lanes.statuses.filter((s) => s === 'true').length;
    const closed = await waitForClosed(client, taskQueue, closedBefore + acked, plan.maxMs);
    return { closed, latencies: await completedLatencies(client, taskQueue, new Set(events.map((e) => paymentRunId(e.id)))) };
  }
}

/** Start-to-close ms of the completed runs among `ids`. */
async function completedLatencies(client: Client, taskQueue: string, ids: Set<string>): Promise<number[]> {
  const out: number[] = [];
  for await (const run of client.workflow.list({ query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Completed"` })) {
    if (ids.has(run.workflowId) && run.closeTime) out.push(run.closeTime.getTime() - run.startTime.getTime());
  }
  return out;
}

/** Failed attempts a run recorded: a local step's failure marker each (its retry waits on a timer). */
export async function failedAttempts(handle: WorkflowHandle): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.filter((e) => e.markerRecordedEventAttributes?.failure).length;
}

async function until(maxMs: number, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
