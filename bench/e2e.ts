// End-to-end runs: seed the documents the payment flow updates, then count completed runs and
// read their start/close times from Temporal's visibility store (no per-run long polls, which
// would load the server we are measuring).
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import { BENCH_SKUS, orderId, paymentEvent } from './events';

export const BASELINE_WORKFLOW_TYPE = 'paymentSucceededByHand';

export async function seedInventory(db: Db): Promise<void> {
  await db.collection<{ _id: string; stock: number }>('inventory').bulkWrite(
    BENCH_SKUS.map((sku) => ({ updateOne: { filter: { _id: sku }, update: { $set: { stock: 1_000_000_000 } }, upsert: true } })),
  );
}

/** The orders events `from`..`from+count-1` of a run will mark paid. */
export async function seedOrders(db: Db, runTag: string, from: number, count: number): Promise<void> {
  const docs = Array.from({ length: count }, (_, k) => ({ _id: orderId(runTag, from + k), status: 'pending' }));
  for (let i = 0; i < docs.length; i += 500) await db.collection<{ _id: string; status: string }>('orders').insertMany(docs.slice(i, i + 500));
}

/** A sender for runLanes that starts the hand-written baseline workflow for event `index`. */
export function baselineStartSender(client: Client, taskQueue: string, runTag: string) {
  return async (index: number): Promise<string> => {
    const event = paymentEvent(runTag, index);
    await client.workflow.start(BASELINE_WORKFLOW_TYPE, { taskQueue, workflowId: `bench-baseline:${event.id}`, args: [{ event }] });
    return 'started';
  };
}

/** Waits until `expected` runs on the task queue are closed (any status); returns how many are. */
export async function waitForClosed(client: Client, taskQueue: string, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let closed = 0;
  while (Date.now() < deadline) {
    closed = (await client.workflow.count(`TaskQueue = "${taskQueue}" AND ExecutionStatus != "Running"`)).count;
    if (closed >= expected) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  return closed;
}

export interface ClosedRuns {
  completed: number;
  failed: number;
  /** Start-to-close time of each completed run, ms. */
  latencies: number[];
  /** Epoch ms of the last close. */
  lastCloseMs: number;
}

/** Closed runs of one measured batch (their workflow ids contain the batch's run tag). */
export async function closedRuns(client: Client, taskQueue: string, runTag: string): Promise<ClosedRuns> {
  const out: ClosedRuns = { completed: 0, failed: 0, latencies: [], lastCloseMs: 0 };
  const marker = `evt_${runTag}_`;
  for await (const run of client.workflow.list({ query: `TaskQueue = "${taskQueue}" AND ExecutionStatus != "Running"` })) {
    if (!run.workflowId.includes(marker) || !run.closeTime) continue;
    if (run.status.name !== 'COMPLETED') { out.failed++; continue; }
    out.completed++;
    out.latencies.push(run.closeTime.getTime() - run.startTime.getTime());
    out.lastCloseMs = Math.max(out.lastCloseMs, run.closeTime.getTime());
  }
  return out;
}
