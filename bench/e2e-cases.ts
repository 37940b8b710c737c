// Case 3 and the worker half of 5: events completed per second by the shipped payment flow
// (posted to the ingress, run by worker/main.ts) against the hand-written baseline workflow
// (started directly, run by bench/baseline-worker.ts), each with one and then two workers.
import { type BenchContext, describeRun, figures, type RunFigures } from './context';
import { BASELINE_WORKFLOW_TYPE, baselineStartSender, closedRuns, seedInventory, seedOrders, waitForClosed } from './e2e';
import { httpEventSender } from './http-load';
import { runLanes } from './lanes';
import { RssSampler } from './memory';
import { type BenchChild, startIngress, startWorker } from './processes';
import { type LatencySummary, ratePerSecond, summarizeLatencies } from './stats';

export interface E2eRun {
  workers: number;
  completed: number;
  failed: number;
  /** Completed runs per second, from the first send to the last close. */
  ratePerSec: number;
  /** Start-to-close time of each run. */
  latencyMs: LatencySummary;
  sending: RunFigures;
  workerRssMb: number[];
  ingressRssMb?: number;
}

export interface E2eResults {
  flow: E2eRun[];
  baseline: E2eRun[];
}

type Sender = (runTag: string) => { send: (i: number) => Promise<string | number>; close?: () => void };

export async function e2eCases(ctx: BenchContext): Promise<E2eResults> {
  await seedInventory(ctx.db);

  ctx.say(`case 3: shipped payment flow via the ingress, ${BENCH_FLOW_NOTE}`);
  const flowQueue = 'bench-e2e-flow';
  const ingress = await startIngress(ctx.child(flowQueue));
  const flow = await withWorkers(ctx, 'worker/main.ts', flowQueue, [ingress], (tag) => httpEventSender([ingress.url!], tag, ctx.options.connections));
  await ingress.stop();

  ctx.say(`case 3: hand-written baseline workflow (${BASELINE_WORKFLOW_TYPE}), started directly`);
  const baseQueue = 'bench-e2e-baseline';
  const baseline = await withWorkers(ctx, 'bench/baseline-worker.ts', baseQueue, [], (tag) => ({ send: baselineStartSender(ctx.client, baseQueue, tag) }));
  return { flow, baseline };
}

const BENCH_FLOW_NOTE = 'worker/main.ts (flows/payment-succeeded.yaml)';

/** One measured run with one worker, then a second worker joins the same task queue for another. */
async function withWorkers(ctx: BenchContext, script: 'worker/main.ts' | 'bench/baseline-worker.ts', taskQueue: string, ingresses: BenchChild[], sender: Sender): Promise<E2eRun[]> {
  const workers = [await startWorker(script, ctx.child(taskQueue), ctx.client)];
  const runs: E2eRun[] = [];
  let closedSoFar = 0;
  try {
    for (const count of [1, 2]) {
      if (workers.length < count) workers.push(await startWorker(script, ctx.child(taskQueue), ctx.client));
      const warm = Math.max(10, Math.round(ctx.options.e2eEvents / 10));
      const warmTag = ctx.tag('ew');
      await seedOrders(ctx.db, warmTag, 0, warm);
      closedSoFar = (await sendAndWait(ctx, taskQueue, sender, warmTag, warm, closedSoFar)).closed;
      const tag = ctx.tag('e');
      await seedOrders(ctx.db, tag, 0, ctx.options.e2eEvents);
      const sampler = new RssSampler(() => [...workers, ...ingresses].map((c) => c.pid));
      sampler.start();
      const started = Date.now();
      const { sending, closed } = await sendAndWait(ctx, taskQueue, sender, tag, ctx.options.e2eEvents, closedSoFar);
      closedSoFar = closed;
      const peaks = sampler.stop();
      const runsClosed = await closedRuns(ctx.client, taskQueue, tag);
      const run: E2eRun = {
        workers: count,
        completed: runsClosed.completed,
        failed: runsClosed.failed,
        ratePerSec: ratePerSecond(runsClosed.completed, runsClosed.lastCloseMs - started),
        latencyMs: summarizeLatencies(runsClosed.latencies),
        sending,
        workerRssMb: workers.map((w) => peaks.get(w.pid) ?? NaN),
        ingressRssMb: ingresses.length ? peaks.get(ingresses[0].pid) : undefined,
      };
      ctx.say(`  ${count} worker(s): ${run.completed} completed, ${run.failed} failed, ${run.ratePerSec.toFixed(1)}/s, run p50 ${run.latencyMs.p50} ms p99 ${run.latencyMs.p99} ms; worker RSS ${run.workerRssMb.map((m) => m.toFixed(0)).join(' + ')} MB`);
      runs.push(run);
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
  return runs;
}

/** Sends a seeded batch and waits for its runs to close; returns how many runs on the queue are closed now. */
async function sendAndWait(ctx: BenchContext, taskQueue: string, sender: Sender, tag: string, count: number, closedBefore: number) {
  const s = sender(tag);
  const sending = figures(await runLanes({ count, concurrency: ctx.options.connections, maxMs: ctx.options.maxSeconds * 1000, send: s.send }));
  s.close?.();
  if (sending.accepted < count) ctx.say(describeRun('  sending (not all accepted)', sending));
  const closed = await waitForClosed(ctx.client, taskQueue, closedBefore + sending.accepted, ctx.options.maxSeconds * 1000);
  return { sending, closed };
}
