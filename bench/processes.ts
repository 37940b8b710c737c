// The ingress and workers under test, each a separate Node process (as in production), so their
// memory is measured apart from the load generator's. Both speak only HTTP and Temporal to us.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { type ManagedProcess, startProcess, waitUntil } from '../devstack/process';
import { freePort } from '../lib/net';
import { BENCH_SECRET } from './events';
import { ROOT } from './direct-start';
import { withoutTemporalSecurity } from '../lib/temporal-connection';
import { HEAP_FLAGS } from '../lib/heap-flags';

export interface StackAddresses {
  temporalAddress: string;
  mongodbUri: string;
  smtpUrl: string;
}

export interface ChildOptions {
  stack: StackAddresses;
  taskQueue: string;
  logDir: string;
  logLevel: string;
  /** Extra Node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Extra environment, e.g. another MONGODB_URI (the chaos harness's proxy). */
  env?: Record<string, string>;
  /** The ingress runs from the compiled build (dist/), as the Dockerfile runs it. */
  compiled?: boolean;
  /** The ingress listens here (a replica restarted behind a load balancer keeps its port); a free port otherwise. */
  port?: number;
  /** Run the script from another checkout (e.g. the code before a change, for a before/after in one run); this one by default. */
  root?: string;
}

export interface BenchChild {
  name: string;
  pid: number;
  /** Milliseconds from spawn until it was ready. */
  startupMs: number;
  url?: string;
  stop(): Promise<void>;
  /** How it ended (both null while it runs): a graceful drain exits with code 0. */
  exit(): { code: number | null; signal: string | null };
}

export const MONGODB_DB = 'bench';
let seq = 0;
/** Every child still running, so a failing or interrupted bench leaves none behind. */
const running = new Set<ManagedProcess>();

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

function spawnNode(name: string, script: string, opts: ChildOptions, env: Record<string, string> = {}, compiled = false): ManagedProcess {
  // Compiled JavaScript (dist/) runs without the TypeScript loader, as the Dockerfile runs it.
  // The heap flags every start path uses (lib/heap-flags.ts), so the bench measures what users run.
  // BENCH_NODE_FLAGS (space-separated) come last, so they can override the heap flags to measure other values.
  const flags = [...HEAP_FLAGS, ...(opts.nodeFlags ?? []), ...(process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? [])];
  const root = opts.root ?? ROOT;
  const args = script.endsWith('.js') ? [...flags, join(root, script)]
    : compiled ? [...flags, join(root, 'dist', script.replace(/\.ts$/, '.js'))] : ['--import', 'tsx', ...flags, join(root, script)];
  const proc = startProcess({
    name,
    command: process.execPath,
    args,
    cwd: root,
    logFile: join(opts.logDir, `${name}.log`),
    env: {
      // The bench's own dev server speaks plaintext: a shell set up for Temporal Cloud must not leak in.
      ...withoutTemporalSecurity(process.env),
      TEMPORAL_ADDRESS: opts.stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: opts.taskQueue,
      MONGODB_URI: opts.stack.mongodbUri,
      MONGODB_DB,
      SMTP_URL: opts.stack.smtpUrl,
      LOG_LEVEL: opts.logLevel,
      PAYMENTS_WEBHOOK_SECRET: BENCH_SECRET,
      HOOKFLOW_PRETTY_LOGS: '0',
      WORKER_OPS_PORT: '0', // each worker's ops endpoint on a port of its own
      ...opts.env,
      ...env,
    },
  });
  running.add(proc);
  proc.child.once('exit', () => running.delete(proc));
  return proc;
}

function child(proc: ManagedProcess, started: number, url?: string): BenchChild {
  return { name: proc.name, pid: proc.child.pid!, startupMs: performance.now() - started, url, stop: () => proc.stop(), exit: () => ({ code: proc.child.exitCode, signal: proc.child.signalCode }) };
}

export async function startIngress(opts: ChildOptions): Promise<BenchChild> {
  const port = opts.port ?? await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  // ADMIN_PORT 0: each ingress's admin listener on a port of its own.
  const proc = spawnNode(`ingress-${++seq}`, 'server/main.ts', opts, { PORT: String(port), ADMIN_PORT: '0', HOST: '127.0.0.1' }, opts.compiled);
  await waitUntil(proc, `${url}/healthz`, async () => {
    try {
      return (await fetch(`${url}/healthz`)).ok;
    } catch {
      return false;
    }
  }, 60_000);
  return child(proc, started, url);
}

/** Starts a worker script and waits until Temporal lists it as a poller of its task queue. */
export type WorkerScript = 'worker/main.ts' | 'dist/worker/main.js' | 'bench/baseline-worker.ts';

export async function startWorker(script: WorkerScript, opts: ChildOptions, client: Client): Promise<BenchChild> {
  const started = performance.now();
  const proc = spawnNode(`${script.startsWith('bench') ? 'baseline-worker' : 'worker'}-${++seq}`, script, opts);
  const identityPrefix = `${proc.child.pid}@`;
  await waitUntil(proc, `polling task queue ${opts.taskQueue}`, async () => {
    const res = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: opts.taskQueue }, taskQueueType: 1 });
    return res.pollers.some((p) => p.identity?.startsWith(identityPrefix));
  }, 120_000);
  return child(proc, started);
}
