// The harness's own stack on free ports, every part a real process it can kill -9 by pid:
// the Temporal dev server and FerretDB (restarted on the same port and data folder), ingresses
// and workers (bench/processes.ts), and the SMTP catcher in this process, which counts every
// message it receives. With the cluster topology Temporal is the cluster of `npm run cluster`
// (PostgreSQL and four services, each killable on its own; chaos/cluster-infra.ts) and the
// ingresses sit behind HAProxy.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { type Db, MongoClient } from 'mongodb';
import { type BenchChild, MONGODB_DB, startIngress, startWorker, stopAllChildren } from '../bench/processes';
import { startFerretDb } from '../devstack/ferretdb';
import type { ManagedProcess } from '../devstack/process';
import { type SmtpCatcher, startSmtpCatcher } from '../devstack/smtp-catcher';
import { startTemporalDevServer } from '../devstack/temporal';
import { TOOLS, ensureTool } from '../devstack/tools';
import { freePort } from '../lib/net';
import { type Balancer, type Infra, startBalancer, startClusterInfra } from './cluster-infra';
import type { Topology } from './options';

export interface ChaosChild extends BenchChild {
  role: 'ingress' | 'worker';
  /** Set when the harness killed it on purpose; an exit without it is a crash. */
  killed: boolean;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class ChaosStack {
  readonly children: ChaosChild[] = [];
  /** 'temporal' and 'ferretdb'; with the cluster topology 'postgres' and 'temporal-<service>' instead of 'temporal'. */
  readonly infra = new Map<string, Infra>();
  private balancer?: Balancer;

  private constructor(
    readonly dataDir: string,
    readonly logDir: string,
    readonly logLevel: string,
    private readonly ports: { temporal: number; mongo: number },
    readonly smtp: SmtpCatcher,
    readonly client: Client,
    private readonly connection: Connection,
    private readonly mongo: MongoClient,
    readonly topology: Topology,
  ) {}

  static async start(dataDir: string, logDir: string, logLevel: string, topology: Topology = 'single'): Promise<ChaosStack> {
    mkdirSync(logDir, { recursive: true });
    const ports = { temporal: await freePort(), mongo: await freePort() };
    const infra = new Map<string, Infra>();
    const add = async (name: string, start: () => Promise<ManagedProcess>) => { infra.set(name, { process: await start(), start, killed: false }); };
    const temporal = topology === 'cluster'
      ? startClusterInfra(dataDir, logDir, ports.temporal).then((cluster) => { for (const [name, i] of cluster) infra.set(name, i); })
      : add('temporal', () => startTemporal(dataDir, logDir, ports.temporal));
    await Promise.all([temporal, add('ferretdb', () => startMongo(dataDir, logDir, ports.mongo))]);
    const smtp = await startSmtpCatcher({ port: await freePort() });
    const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
    const mongo = await new MongoClient(`mongodb://127.0.0.1:${ports.mongo}/`, { serverSelectionTimeoutMS: 60_000 }).connect();
    const stack = new ChaosStack(dataDir, logDir, logLevel, ports, smtp, new Client({ connection, namespace: 'default' }), connection, mongo, topology);
    for (const [name, i] of infra) stack.infra.set(name, i);
    return stack;
  }

  /** HAProxy (TLS) in front of `ingresses`, replacing the one in front of the previous scenario's; returns its URL. */
  async balance(ingresses: ChaosChild[]): Promise<string> {
    await this.balancer?.stop();
    this.balancer = await startBalancer(this.dataDir, ingresses.map((c) => Number(new URL(c.url!).port)));
    return this.balancer.url;
  }

  get balancerCa(): string | undefined {
    return this.balancer?.ca;
  }

  get db(): Db {
    return this.mongo.db(MONGODB_DB);
  }

  get mongodbUri(): string {
    return `mongodb://127.0.0.1:${this.ports.mongo}/`;
  }

  private childOptions(taskQueue: string, env?: Record<string, string>) {
    const stack = { temporalAddress: `127.0.0.1:${this.ports.temporal}`, mongodbUri: this.mongodbUri, smtpUrl: this.smtp.url };
    return { stack, taskQueue, logDir: this.logDir, logLevel: this.logLevel, env: { HOOKFLOW_RELAY_POLL_MS: '500', ...env } };
  }

  /** `port`: where it listens (a replica restarted behind HAProxy keeps its port); a free one otherwise. */
  async addIngress(taskQueue: string, env?: Record<string, string>, port?: number): Promise<ChaosChild> {
    const c: ChaosChild = { ...(await startIngress({ ...this.childOptions(taskQueue, env), port })), role: 'ingress', killed: false };
    this.children.push(c);
    return c;
  }

  async addWorker(taskQueue: string, env?: Record<string, string>): Promise<ChaosChild> {
    const c: ChaosChild = { ...(await startWorker('worker/main.ts', this.childOptions(taskQueue, env), this.client)), role: 'worker', killed: false };
    this.children.push(c);
    return c;
  }

  /** SIGTERM (a graceful drain, as a rollout stops a replica), counted as intended, not as a crash; resolves once it exited. */
  async drain(c: ChaosChild): Promise<{ code: number | null; signal: string | null }> {
    c.killed = true;
    await c.stop();
    return c.exit();
  }

  /** Resolves once HAProxy's health checks see `count` ingresses up; false after `timeoutMs`. */
  async balancerUp(count: number, timeoutMs = 60_000): Promise<boolean> {
    return this.balancer ? this.balancer.up(count, timeoutMs) : false;
  }

  /** kill -9, and waits until the process is gone. */
  async kill(c: ChaosChild): Promise<void> {
    c.killed = true;
    process.kill(c.pid, 'SIGKILL');
    while (alive(c.pid)) await new Promise((r) => setTimeout(r, 20));
  }

  /** kill -9 of a server process ('temporal', 'ferretdb', 'postgres', 'temporal-history'…). */
  async killInfra(name: string): Promise<void> {
    const i = this.infra.get(name)!;
    i.killed = true;
    await killManaged(i.process);
  }

  async restartInfra(name: string): Promise<void> {
    const i = this.infra.get(name)!;
    i.process = await i.start();
    i.killed = false;
  }

  killTemporal = () => this.killInfra('temporal');
  restartTemporal = () => this.restartInfra('temporal');
  killMongo = () => this.killInfra('ferretdb');
  restartMongo = () => this.restartInfra('ferretdb');

  /** Processes that exited without being killed by the harness. */
  crashed(): string[] {
    const out = this.children.filter((c) => !c.killed && !alive(c.pid)).map((c) => `${c.name} (pid ${c.pid})`);
    for (const [name, i] of this.infra) if (!i.killed && i.process.child.exitCode !== null) out.push(`${name} (exit ${i.process.child.exitCode})`);
    if (this.balancer && this.balancer.process.child.exitCode !== null) out.push(`haproxy (exit ${this.balancer.process.child.exitCode})`);
    return out;
  }

  /** Stops (SIGTERM) the ingresses and workers still running, e.g. at the end of a scenario. */
  async stopChildren(): Promise<void> {
    await Promise.all(this.children.filter((c) => !c.killed && alive(c.pid)).map((c) => { c.killed = true; return c.stop(); }));
  }

  async stop(): Promise<void> {
    await stopAllChildren();
    await this.connection.close().catch(() => undefined);
    await this.mongo.close().catch(() => undefined);
    await this.smtp.close();
    await this.balancer?.stop();
    // Temporal's services before the database they write to.
    const infra = [...this.infra.entries()];
    await Promise.all(infra.filter(([name]) => name !== 'postgres').map(([, i]) => i.process.stop()));
    await this.infra.get('postgres')?.process.stop();
  }
}

async function killManaged(p: ManagedProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGKILL');
  await exited;
}

async function startTemporal(dataDir: string, logDir: string, port: number): Promise<ManagedProcess> {
  const t = await startTemporalDevServer({ bin: ensureTool(TOOLS.temporal), port, headless: true, dbFile: join(dataDir, 'temporal.sqlite'), logFile: join(logDir, 'temporal.log') });
  return t.process;
}

async function startMongo(dataDir: string, logDir: string, port: number): Promise<ManagedProcess> {
  const f = await startFerretDb({ bin: ensureTool(TOOLS.ferretdb), port, dataDir: join(dataDir, 'ferretdb'), logFile: join(logDir, 'ferretdb.log') });
  return f.process;
}
