// npm run bench -- --topology cluster: the cluster topology of `npm run cluster` (PostgreSQL,
// Temporal's four services, FerretDB, HAProxy with TLS) with 1, then 3 (BENCH_CLUSTER_REPLICAS)
// ingress replicas and workers. For each: the accept rate through HAProxy, the end-to-end rate
// (first send to last run closed), and the CPU each part spent per event (/proc, bench/cpu.ts).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { type Haproxy, startHaproxy } from '../devstack/cluster/haproxy';
import { allUp } from '../devstack/cluster/cluster';
import { TEMPORAL_SERVICES } from '../devstack/cluster/temporal-config';
import { type TemporalOnPostgres, startTemporalOnPostgres } from '../devstack/cluster/temporal-on-postgres';
import { waitUntil } from '../devstack/process';
import { startEmbeddedServices } from '../devstack/services';
import { freePort } from '../lib/net';
import { childPids, cpuMeter } from './cpu';
import { ROOT } from './direct-start';
import { closedRuns, seedInventory, seedOrders, waitForClosed } from './e2e';
import { paymentEvent, signedHeaders } from './events';
import { WEBHOOK_PATH } from './http-load';
import { runLanes } from './lanes';
import { type BenchChild, type ChildOptions, MONGODB_DB, startIngress, startWorker, stopAllChildren } from './processes';
import { machine, writeResults } from './report';
import { ratePerSecond, summarizeLatencies } from './stats';

export interface ClusterScaleRow {
  replicas: number;
  events: number;
  accepted: number;
  acceptPerSec: number;
  acceptP50Ms: number;
  acceptP99Ms: number;
  completed: number;
  e2ePerSec: number;
  /** CPU ms per event, by part. */
  cpuMsPerEvent: Record<string, number>;
  loadAverage1m: number;
}

function settings(env: NodeJS.ProcessEnv) {
  const replicas = (env.BENCH_CLUSTER_REPLICAS || '1,3').split(',').map(Number);
  if (replicas.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) throw new Error(`BENCH_CLUSTER_REPLICAS takes whole numbers 1-8, comma-separated, got "${env.BENCH_CLUSTER_REPLICAS}"`);
  const events = Number(env.BENCH_CLUSTER_EVENTS || 400);
  const maxSeconds = Number(env.BENCH_MAX_SECONDS || 300);
  if (!(events > 0) || !(maxSeconds > 0)) throw new Error('BENCH_CLUSTER_EVENTS and BENCH_MAX_SECONDS take positive numbers');
  return { replicas, events, maxSeconds, connections: Number(env.BENCH_CONNECTIONS || 16), logLevel: env.BENCH_LOG_LEVEL || 'info' };
}

/** POSTs signed payment events to HAProxy over TLS (its certificate as the only CA), keep-alive. */
function tlsSender(url: string, ca: string, runTag: string, maxSockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets, ca, scheduling: 'fifo' });
  const send = (index: number): Promise<number> => {
    const body = JSON.stringify(paymentEvent(runTag, index));
    return new Promise((resolve, reject) => {
      const req = request(new URL(WEBHOOK_PATH, url), { method: 'POST', agent, headers: { ...signedHeaders(body), 'content-length': Buffer.byteLength(body) }, timeout: 15_000 }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      });
      req.once('timeout', () => req.destroy(new Error('request timed out after 15 s')));
      req.once('error', reject);
      req.end(body);
    });
  };
  return { send, close: () => agent.destroy() };
}

/** The pids of each part, read at the moment (PostgreSQL forks a backend per connection). */
function parts(infra: TemporalOnPostgres, ferretdbPid: number, ingresses: BenchChild[], workers: BenchChild[], haproxy: Haproxy): Record<string, () => number[]> {
  const pgPid = infra.postgres.process.child.pid!;
  return {
    ingresses: () => ingresses.map((c) => c.pid),
    workers: () => workers.map((c) => c.pid),
    ...Object.fromEntries(TEMPORAL_SERVICES.map((s) => [`temporal-${s}`, () => [infra.temporal.services[s].child.pid!]])),
    postgres: () => [pgPid, ...childPids(pgPid, 'postgres')],
    ferretdb: () => [ferretdbPid],
    haproxy: () => [haproxy.process.child.pid!],
  };
}

export async function clusterScale(): Promise<void> {
  const o = settings(process.env);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = join(ROOT, '.bench');
  const logDir = join(outDir, `logs-cluster-${stamp}`);
  mkdirSync(logDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-bench-cluster-'));
  chmodSync(dataDir, 0o755); // PostgreSQL runs as the postgres user when this runs as root
  const began = Date.now();
  const say = (m: string) => console.log(`[bench cluster ${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${m}`);
  say(`replicas ${o.replicas.join(', ')}; ${o.events} events each; stack in ${dataDir}; logs in ${logDir}`);
  const frontend = await freePort();
  const infra = await startTemporalOnPostgres(dataDir, logDir, frontend);
  const services = await startEmbeddedServices({ dataDir, headless: true, ports: { temporal: 0, temporalUi: 0, mongo: await freePort(), smtp: await freePort() }, external: { temporalAddress: `127.0.0.1:${frontend}` } });
  const connection = await Connection.connect({ address: `127.0.0.1:${frontend}` });
  const client = new Client({ connection, namespace: 'default' });
  const mongo = await new MongoClient(services.mongodbUri).connect();
  const db = mongo.db(MONGODB_DB);
  const ferretdbPid = services.processes.find((p) => p.name.includes('ferret'))?.child.pid ?? 0;
  const rows: ClusterScaleRow[] = [];
  const stop = async () => {
    await stopAllChildren();
    await connection.close().catch(() => undefined);
    await mongo.close().catch(() => undefined);
    await services.stop();
    await infra.stop();
  };
  process.once('SIGINT', () => { say('interrupted: stopping every child'); void stop().finally(() => process.exit(130)); });
  try {
    await seedInventory(db);
    for (const n of o.replicas) {
      const tag = `${Date.now().toString(36)}c${n}`;
      const child: ChildOptions = { stack: { temporalAddress: `127.0.0.1:${frontend}`, mongodbUri: services.mongodbUri, smtpUrl: services.smtpUrl }, taskQueue: `bench-cluster-${tag}`, logDir, logLevel: o.logLevel };
      say(`${n} ingress(es) and ${n} worker(s): starting`);
      const [ingresses, workers] = await Promise.all([
        Promise.all(Array.from({ length: n }, () => startIngress(child))),
        Promise.all(Array.from({ length: n }, () => startWorker('worker/main.ts', child, client))),
      ]);
      const haproxy = await startHaproxy({ dir: join(dataDir, `haproxy-${n}`), port: await freePort(), statsPort: await freePort(), backends: ingresses.map((c, i) => ({ name: `ingress-${i + 1}`, port: Number(new URL(c.url!).port) })) });
      await waitUntil(haproxy.process, 'every ingress up in HAProxy', () => allUp(haproxy.statsUrl, n), 60_000);
      await seedOrders(db, tag, 0, o.events);
      const sender = tlsSender(haproxy.url, readFileSync(haproxy.certFile, 'utf8'), tag, o.connections);
      const meter = cpuMeter(parts(infra, ferretdbPid, ingresses, workers, haproxy));
      const sentAt = Date.now();
      const lanes = await runLanes({ count: o.events, concurrency: o.connections, maxMs: o.maxSeconds * 1000, send: sender.send });
      const accepted = lanes.statuses.filter((s) => s === 202 || s === 200).length;
      say(`  ${accepted}/${o.events} accepted in ${(lanes.elapsedMs / 1000).toFixed(1)} s; waiting for the runs`);
      await waitForClosed(client, child.taskQueue, accepted, o.maxSeconds * 1000);
      const cpu = meter();
      const closed = await closedRuns(client, child.taskQueue, tag);
      const latency = summarizeLatencies(lanes.latencies);
      const row: ClusterScaleRow = {
        replicas: n, events: o.events, accepted, acceptPerSec: ratePerSecond(accepted, lanes.elapsedMs), acceptP50Ms: latency.p50, acceptP99Ms: latency.p99,
        completed: closed.completed, e2ePerSec: ratePerSecond(closed.completed, closed.lastCloseMs - sentAt),
        cpuMsPerEvent: Object.fromEntries(Object.entries(cpu).map(([k, ms]) => [k, Number((ms / Math.max(1, closed.completed)).toFixed(2))])),
        loadAverage1m: machine().loadAverage1m,
      };
      rows.push(row);
      say(`  accept ${row.acceptPerSec.toFixed(1)}/s (p50 ${latency.p50.toFixed(0)} ms, p99 ${latency.p99.toFixed(0)} ms), end to end ${row.e2ePerSec.toFixed(1)}/s, ${closed.completed} completed, ${closed.failed} failed`);
      sender.close();
      await haproxy.process.stop();
      await Promise.all([...ingresses, ...workers].map((c) => c.stop()));
    }
  } finally {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const file = writeResults(outDir, { machine: machine(), settings: o, startedAt: new Date(began).toISOString(), rows }, 'bench-cluster');
  console.log(`\n${formatClusterTable(rows)}\n\nfigures in ${file}; took ${((Date.now() - began) / 1000).toFixed(0)} s`);
}

export function formatClusterTable(rows: ClusterScaleRow[]): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.cpuMsPerEvent)))];
  const head = ['replicas', 'accept/s', 'p50 ms', 'p99 ms', 'e2e/s', ...keys.map((k) => `${k.replace(' (bench process)', '')} ms/ev`)];
  const lines = rows.map((r) => [String(r.replicas), r.acceptPerSec.toFixed(1), r.acceptP50Ms.toFixed(0), r.acceptP99Ms.toFixed(0), r.e2ePerSec.toFixed(1), ...keys.map((k) => (r.cpuMsPerEvent[k] ?? NaN).toFixed(1))]);
  return [head, ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
