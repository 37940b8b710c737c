// Case 3 and the worker half of 5: runs completed per second by the shipped payment flow
// (events posted to the ingress, runs executed by worker/main.ts) against the hand-written
// baseline workflow (started directly, executed by bench/baseline-worker.ts), with one and then
// two worker processes of each. Flow and baseline batches take turns, as in the accept cases.
import { type BenchContext, type CpuPerEvent, type RunFigures, addInto, describeRun, figures, perEvent } from './context';
import { cpuMeter } from './cpu';
import { baselineStartSender, closedRuns, seedInventory, seedOrders, waitForClosed } from './e2e';
import { httpEventSender } from './http-load';
import { roundOrder, runLanes, share } from './lanes';
import { RssSampler } from './memory';
import { type BenchChild, type WorkerScript, startIngress, startWorker } from './processes';
import { type LatencySummary, ratePerSecond, summarizeLatencies } from './stats';

export interface E2eRun {
  workers: number;
  /** Runs the measured batches started; completed + failed falls short when a wait timed out. */
  started: number;
  completed: number;
  failed: number;
  /** Completed runs per second: summed over batches, each from its first send to its last close. */
  ratePerSec: number;
  /** Start-to-close time of each run. */
  latencyMs: LatencySummary;
  sending: RunFigures[];
  workerRssMb: number[];
  /** CPU ms per completed run by process group. */
  cpuPerRun: CpuPerEvent;
}

export interface E2eResults {
  flow: E2eRun[];
  baseline: E2eRun[];
  /** Peak RSS of the ingress that took the flow's events. */
  ingressRssMb: number;
  /** Whether the flow worker ran the compiled build (BENCH_COMPILED=1). */
  compiledWorker: boolean;
  /** Workflows started on the flow's task queue per accepted event (goal 7: one). */
  runsPerEvent: number;
}

interface E2eSide {
  name: string;
  script: WorkerScript;
  taskQueue: string;
  workers: BenchChild[];
  sender(runTag: string): { send: (i: number) => Promise<string | number>; close?: () => void };
  /** More processes whose CPU counts for this side (the flow's ingress). */
  extraCpu: Record<string, () => number[]>;
  closed: number;
  /** Events accepted over every batch, warm-ups included. */
  accepted: number;
  cpuMs: Record<string, number>;
  batches: { started: number; completed: number; failed: number; latencies: number[]; windowMs: number; sending: RunFigures }[];
}

export async function e2eCases(ctx: BenchContext): Promise<E2eResults> {
  await seedInventory(ctx.db);
  const ingress = await startIngress(ctx.child('bench-e2e-flow'));
  const flow: E2eSide = {
    name: 'flow', script: ctx.options.compiled ? 'dist/worker/main.js' : 'worker/main.ts', taskQueue: 'bench-e2e-flow', workers: [], closed: 0, accepted: 0, batches: [], cpuMs: {},
    sender: (tag) => httpEventSender([ingress.url!], tag, ctx.options.connections),
    extraCpu: { ingress: () => [ingress.pid] },
  };
  const baseline: E2eSide = {
    name: 'hand-written', script: 'bench/baseline-worker.ts', taskQueue: 'bench-e2e-baseline', workers: [], closed: 0, accepted: 0, batches: [], cpuMs: {},
    sender: (tag) => ({ send: baselineStartSender(ctx.client, 'bench-e2e-baseline', tag) }),
    extraCpu: {},
  };
  const sides = [flow, baseline];
  const results: E2eResults = { flow: [], baseline: [], ingressRssMb: NaN, compiledWorker: ctx.options.compiled, runsPerEvent: NaN };
  const rounds = Math.max(1, Math.floor(ctx.options.rounds / 2));
  try {
    for (const workers of [1, 2]) {
      ctx.say(`case 3${workers > 1 ? ' + 5' : ''}: ${workers} worker process(es) per side; flow (via the ingress) and hand-written (direct start) take turns, ${rounds} round(s)`);
      await Promise.all(sides.map(async (s) => { while (s.workers.length < workers) s.workers.push(await startWorker(s.script, ctx.child(s.taskQueue), ctx.client)); }));
      for (const s of sides) await batch(ctx, s, Math.max(10, Math.round(ctx.options.e2eEvents / 10)), 'w');
      for (const s of sides) { s.batches = []; s.cpuMs = {}; }
      const sampler = new RssSampler(() => [ingress, ...flow.workers, ...baseline.workers].map((c) => c.pid));
      sampler.start();
      for (let r = 0; r < rounds; r++) for (const s of roundOrder(sides, r)) await batch(ctx, s, share(ctx.options.e2eEvents, rounds, r), 'e');
      const peaks = sampler.stop();
      results.ingressRssMb = Math.max(Number.isNaN(results.ingressRssMb) ? 0 : results.ingressRssMb, peaks.get(ingress.pid) ?? 0);
      for (const s of sides) {
        const run = summarize(s, workers, peaks);
        ctx.say(`  ${s.name}: ${run.completed}/${run.started} completed, ${run.failed} failed, ${run.ratePerSec.toFixed(1)}/s, run p50 ${run.latencyMs.p50} ms p99 ${run.latencyMs.p99} ms; worker RSS ${run.workerRssMb.map((m) => m.toFixed(0)).join(' + ')} MB`);
        (s === flow ? results.flow : results.baseline).push(run);
      }
    }
    // Every workflow the shipped flows/ folder started for these events, open ones included (a
    // correlated run waiting for a trigger would show here).
    const started = (await ctx.client.workflow.count(`TaskQueue = "${flow.taskQueue}"`)).count;
    results.runsPerEvent = started / Math.max(1, flow.accepted);
    ctx.say(`  flow: ${started} workflows started for ${flow.accepted} accepted events (${results.runsPerEvent.toFixed(3)} per event)`);
  } finally {
    await Promise.all([ingress, ...flow.workers, ...baseline.workers].map((c) => c.stop()));
  }
  return results;
}

/** Seeds the orders, sends a batch, waits for its runs to close and records them. */
async function batch(ctx: BenchContext, side: E2eSide, count: number, label: string): Promise<void> {
  if (count === 0) return;
  const tag = ctx.tag(label);
  await seedOrders(ctx.db, tag, 0, count);
  const sender = side.sender(tag);
  const stopMeter = cpuMeter({
    'Temporal server': () => ctx.infra.temporal,
    FerretDB: () => ctx.infra.ferretdb,
    'worker process(es)': () => side.workers.map((w) => w.pid),
    ...side.extraCpu,
  });
  const started = Date.now();
  const sending = figures(await runLanes({ count, concurrency: ctx.options.connections, maxMs: ctx.options.maxSeconds * 1000, send: sender.send }));
  sender.close?.();
  side.accepted += sending.accepted;
  if (sending.accepted < count) ctx.say(describeRun(`  ${side.name}: sending (not all accepted)`, sending));
  side.closed = await waitForClosed(ctx.client, side.taskQueue, side.closed + sending.accepted, ctx.options.maxSeconds * 1000);
  addInto(side.cpuMs, stopMeter());
  const runs = await closedRuns(ctx.client, side.taskQueue, tag);
  if (runs.completed + runs.failed < sending.accepted) ctx.say(`  ${side.name}: INCOMPLETE, only ${runs.completed + runs.failed} of ${sending.accepted} runs closed within ${ctx.options.maxSeconds} s`);
  side.batches.push({ started: sending.accepted, completed: runs.completed, failed: runs.failed, latencies: runs.latencies, windowMs: runs.lastCloseMs - started, sending });
}

function summarize(side: E2eSide, workers: number, peaks: Map<number, number>): E2eRun {
  const completed = side.batches.reduce((n, b) => n + b.completed, 0);
  return {
    workers,
    started: side.batches.reduce((n, b) => n + b.started, 0),
    completed,
    failed: side.batches.reduce((n, b) => n + b.failed, 0),
    ratePerSec: ratePerSecond(completed, side.batches.reduce((n, b) => n + b.windowMs, 0)),
    latencyMs: summarizeLatencies(side.batches.flatMap((b) => b.latencies)),
    sending: side.batches.map((b) => b.sending),
    workerRssMb: side.workers.map((w) => peaks.get(w.pid) ?? NaN),
    cpuPerRun: perEvent(side.cpuMs, completed),
  };
}
