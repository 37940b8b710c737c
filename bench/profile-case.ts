// CPU profiles under load (node --cpu-prof), in processes of their own so the profiler's
// overhead stays out of the measured figures. The ingress takes the case 1 load; the flow worker
// runs a batch of the payment flow. Start-up and warm-up are cut off; each thread of a process
// (the worker runs workflow code in a worker thread) gets its own summary.
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchContext, describeRun, figures, type RunFigures } from './context';
import { ROOT } from './direct-start';
import { baselineStartSender, seedInventory, seedOrders, waitForClosed } from './e2e';
import { autocannonLoad, httpEventSender } from './http-load';
import { runLanes } from './lanes';
import { type CpuProfile, type ProfileSummary, summarizeProfile } from './profile';
import { startIngress, startWorker, type WorkerScript } from './processes';

export interface ThreadProfile {
  file: string;
  /** 0 is the main thread; the worker runs workflow code in a worker thread, tsx its loader in another. */
  threadId: number;
  summary: ProfileSummary;
}

export interface WorkerProfile {
  runs: number;
  /** Busy time of the thread that runs workflow code, per completed run (the busiest worker thread). */
  workflowThreadMsPerRun: number;
  mainThreadMsPerRun: number;
  threads: ThreadProfile[];
}

export interface ProfileResults {
  ingress: { run: RunFigures; threads: ThreadProfile[] };
  worker: WorkerProfile;
  baselineWorker: WorkerProfile;
}

export async function profileCases(ctx: BenchContext, dir: string): Promise<ProfileResults> {
  mkdirSync(dir, { recursive: true });
  const prof = { dir, flags: ['--cpu-prof', '--cpu-prof-dir', dir] };
  const { events, warmup, connections, maxSeconds } = ctx.options;

  ctx.say('profile: one ingress with --cpu-prof under the case 1 load');
  const ingress = await startIngress(ctx.child('bench-profile-ingress', prof.flags));
  const urls = [ingress.url!];
  await autocannonLoad({ urls, events: warmup, connections, maxSeconds, runTag: ctx.tag('pw') });
  const loadStartedAt = monotonicUs();
  const run = figures(await autocannonLoad({ urls, events, connections, maxSeconds, runTag: ctx.tag('p') }));
  ctx.say(describeRun('  ingress (profiled)', run));
  await ingress.stop(); // profiles are written as the process exits
  const ingressThreads = readProfiles(dir, ingress.pid, loadStartedAt);


  const runs = Math.max(10, Math.round(ctx.options.e2eEvents / 2));
  const feeder = await startIngress(ctx.child('bench-profile-flow'));
  await seedInventory(ctx.db); // the e2e case seeds it too; alone, the payment flows would fail on stock
  try {
    ctx.say(`profile: one flow worker with --cpu-prof running ${runs} payment flows (events via an ingress)`);
    const flowScript = ctx.options.compiled ? 'dist/worker/main.js' : 'worker/main.ts'; // as case 3 runs it
    const flow = await profileWorker(ctx, flowScript, 'bench-profile-flow', runs, prof, (tag) => httpEventSender([feeder.url!], tag, connections));
    ctx.say(`profile: one baseline worker with --cpu-prof running ${runs} hand-written workflows`);
    const baseline = await profileWorker(ctx, 'bench/baseline-worker.ts', 'bench-profile-baseline', runs, prof, (tag) => ({ send: baselineStartSender(ctx.client, 'bench-profile-baseline', tag) }));
    return { ingress: { run, threads: ingressThreads }, worker: flow, baselineWorker: baseline };
  } finally {
    await feeder.stop();
  }
}

async function profileWorker(
  ctx: BenchContext,
  script: WorkerScript,
  queue: string,
  runs: number,
  prof: { dir: string; flags: string[] },
  sender: (tag: string) => { send: (i: number) => Promise<string | number>; close?: () => void },
): Promise<WorkerProfile> {
  const worker = await startWorker(script, ctx.child(queue, prof.flags), ctx.client);
  const tag = ctx.tag('pf');
  await seedOrders(ctx.db, tag, 0, runs);
  const loadStartedAt = monotonicUs();
  const s = sender(tag);
  const sent = figures(await runLanes({ count: runs, concurrency: ctx.options.connections, maxMs: ctx.options.maxSeconds * 1000, send: s.send }));
  s.close?.();
  const closed = await waitForClosed(ctx.client, queue, sent.accepted, ctx.options.maxSeconds * 1000);
  await worker.stop();
  const threads = readProfiles(prof.dir, worker.pid, loadStartedAt);
  const workflowThread = threads.filter((t) => t.threadId !== 0).sort((a, b) => b.summary.busyMs - a.summary.busyMs)[0];
  const main = threads.find((t) => t.threadId === 0);
  const perRun = (t?: ThreadProfile) => (t && closed ? t.summary.busyMs / closed : NaN);
  ctx.say(`  ${closed} runs closed; CPU per run: workflow thread ${perRun(workflowThread).toFixed(1)} ms, main thread (activities, gRPC) ${perRun(main).toFixed(1)} ms`);
  return { runs: closed, workflowThreadMsPerRun: perRun(workflowThread), mainThreadMsPerRun: perRun(main), threads };
}

/** CLOCK_MONOTONIC in microseconds: the clock of V8 profile timestamps. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Every profile one process wrote (one per thread), summarised from `fromUs` on. */
function readProfiles(dir: string, pid: number, fromUs: number): ThreadProfile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`))
    .map((f) => {
      const profile = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
      const threadId = Number(/\.(\d+)\.\d+\.cpuprofile$/.exec(f)?.[1] ?? 0);
      return { file: join(dir, f), threadId, summary: summarizeProfile(profile, { projectRoot: ROOT, fromUs }) };
    });
}

/** Threads that did real work under load (the loader thread of tsx, for one, barely does). */
export function busyThreads(threads: ThreadProfile[]): ThreadProfile[] {
  const most = Math.max(0, ...threads.map((t) => t.summary.busyMs));
  return threads.filter((t) => t.summary.busyMs >= most * 0.2);
}

export function formatProfile(title: string, t: ThreadProfile): string {
  const s = t.summary;
  const lines = [`${title}, ${t.threadId === 0 ? 'main thread' : `thread ${t.threadId}`} (${t.file}):`, `busy ${s.busyMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms of ${s.windowMs.toFixed(0)} ms`, 'self time by area:'];
  for (const a of s.byArea.slice(0, 10)) lines.push(`  ${a.pct.toFixed(1).padStart(5)}%  ${a.selfMs.toFixed(0).padStart(6)} ms  ${a.name}`);
  lines.push('top self-time functions:');
  for (const f of s.topFunctions) lines.push(`  ${f.pct.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}`);
  return lines.join('\n');
}
