// The production topology on one machine, every part a real process: PostgreSQL; Temporal's
// frontend, history, matching and worker services on it; Temporal's Web UI; FerretDB and the SMTP
// catcher (devstack/services.ts) and the payments sandbox as under `npm start`; hookflow workers
// and ingress replicas; HAProxy terminating TLS in front of the replicas. Used by the launcher
// (devstack/cluster/main.ts), the cluster smoke test and the cluster chaos scenarios.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { HEAP_FLAGS } from '../../lib/heap-flags';
import { freePort } from '../../lib/net';
import { withoutTemporalSecurity } from '../../lib/temporal-connection';
import { seedDemoData } from '../demo-data';
import { type ManagedProcess, portAnswers, startProcess, waitUntil } from '../process';
import { type StartedSandbox, startSandboxIfWanted } from '../sandbox-setup';
import { type EmbeddedServices, startEmbeddedServices } from '../services';
import { TOOLS, ensureTool } from '../tools';
import { type Haproxy, startHaproxy } from './haproxy';
import { type Postgres, startPostgres } from './postgres';
import { TEMPORAL_SERVICES, type TemporalService } from './temporal-config';
import { type TemporalCluster, setUpSchema, startTemporalCluster } from './temporal-cluster';
import { startTemporalUi } from './temporal-ui';

const ROOT = resolve(__dirname, '../..');

export interface ClusterPorts {
  /** HAProxy's HTTPS frontend: where providers send webhooks. */
  https: number;
  temporal: number;
  temporalUi: number;
  postgres: number;
  mongo: number;
  smtp: number;
  /** The payments sandbox; undefined when PAYMENTS_API_URL names a real API. */
  sandbox?: number;
}

export interface ClusterOptions {
  dataDir: string;
  /** Settings for the ingress and workers (secrets, tokens); the cluster adds the addresses. */
  env: NodeJS.ProcessEnv;
  ports: ClusterPorts;
  ingressReplicas?: number;
  workers?: number;
  /** Temporal's Web UI (default on; the smoke test leaves it off). */
  ui?: boolean;
  /** Show the ingress's and workers' output with a [name] prefix (the launcher does). */
  echo?: boolean;
  onMail?: Parameters<typeof startEmbeddedServices>[0]['onMail'];
}

export interface Replica {
  name: string;
  process: ManagedProcess;
  /** Ingress: its public port (behind HAProxy). Worker: its ops port (/readyz, /metrics). */
  port: number;
  /** Ingress only: its admin listener. */
  adminPort?: number;
}

export interface Cluster {
  url: string;
  haproxy: Haproxy;
  postgres: Postgres;
  temporal: TemporalCluster;
  uiUrl?: string;
  services: EmbeddedServices;
  sandbox: StartedSandbox;
  ingresses: Replica[];
  workers: Replica[];
  /** Every process with its pid and address, in start order (the banner's list). */
  processes(): { name: string; pid?: number; address: string }[];
  restartReplica(replica: Replica): Promise<void>;
  stop(): Promise<void>;
}

const portOf = (p: number) => `127.0.0.1:${p}`;

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const logs = join(dataDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const tools = { server: ensureTool(TOOLS['temporal-server']), sql: ensureTool(TOOLS['temporal-sql-tool']), ui: opts.ui === false ? undefined : ensureTool(TOOLS['temporal-ui-server']) };
  const stoppers: (() => Promise<void>)[] = []; // run last in, first out
  const stop = async () => { for (const s of stoppers.splice(0).reverse()) await s().catch(() => undefined); };
  const own = (p: { stop(): Promise<void> }) => stoppers.push(() => p.stop());
  const free = async <K extends string>(keys: readonly K[]) => Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await freePort()]))) as Record<K, number>;
  try {
    const temporalAddress = portOf(opts.ports.temporal);
    // Settled, not all: when one fails, the other is still stopped if it started.
    const [pgStarted, servicesStarted] = await Promise.allSettled([
      startPostgres({ dataDir: join(dataDir, 'postgres'), port: opts.ports.postgres, logFile: join(logs, 'postgres.log') }).then((pg) => { stoppers.push(() => pg.process.stop()); return pg; }),
      // FerretDB and the SMTP catcher as `npm start` runs them; Temporal is the cluster's, given as external.
      // Their own folder: they make it owner-only, and the postgres user must still reach postgres/ beside it.
      startEmbeddedServices({ dataDir: join(dataDir, 'services'), ports: { temporal: 0, temporalUi: 0, mongo: opts.ports.mongo, smtp: opts.ports.smtp }, external: { temporalAddress }, onMail: opts.onMail })
        .then((s) => { own(s); return s; }),
    ]);
    if (pgStarted.status === 'rejected') throw pgStarted.reason;
    if (servicesStarted.status === 'rejected') throw servicesStarted.reason;
    const [postgres, services] = [pgStarted.value, servicesStarted.value];
    setUpSchema(tools.sql, postgres);
    const grpc = { ...(await free(['history', 'matching', 'worker'] as const)), frontend: opts.ports.temporal };
    const membership = await free(TEMPORAL_SERVICES);
    const temporal = await startTemporalCluster({
      serverBin: tools.server, sqlToolBin: tools.sql, dataDir: join(dataDir, 'temporal'), postgres,
      ports: { grpc, membership, frontendHttp: await freePort() },
      metricsPorts: await free(TEMPORAL_SERVICES),
    });
    stoppers.push(() => Promise.all(TEMPORAL_SERVICES.map((s) => temporal.services[s].stop())).then(() => undefined));
    const ui = tools.ui ? await startTemporalUi({ bin: tools.ui, dir: join(dataDir, 'temporal-ui'), port: opts.ports.temporalUi, temporalAddress }) : undefined;
    if (ui) own(ui.process);

    const env = { ...opts.env };
    const mongodbDb = env.MONGODB_DB || 'hookflow';
    const sandbox = await startSandboxIfWanted(env, opts.ports.sandbox, services.mongodbUri, mongodbDb);
    own(sandbox);
    const mongo = await new MongoClient(services.mongodbUri).connect();
    await seedDemoData(mongo.db(mongodbDb)).finally(() => mongo.close());

    const childEnv: NodeJS.ProcessEnv = {
      ...withoutTemporalSecurity(env), // the cluster's frontend speaks plaintext on loopback
      TEMPORAL_ADDRESS: temporalAddress,
      MONGODB_URI: services.mongodbUri,
      SMTP_URL: services.smtpUrl,
      TEMPORAL_UI_URL: env.TEMPORAL_UI_URL || ui?.url || 'http://127.0.0.1:8233',
    };
    const node = (name: string, entry: string, ports: NodeJS.ProcessEnv) =>
      startProcess({ name, command: process.execPath, args: [...HEAP_FLAGS, '--import', 'tsx', join(ROOT, entry)], env: { ...childEnv, ...ports }, cwd: ROOT, echo: opts.echo, logFile: join(logs, `${name}.log`), parentWatch: 'ipc' });
    const launch = (r: Replica) => node(r.name, r.adminPort ? 'server/main.ts' : 'worker/main.ts',
      r.adminPort ? { PORT: String(r.port), ADMIN_PORT: String(r.adminPort) } : { WORKER_OPS_PORT: String(r.port) });
    const workers: Replica[] = [];
    for (let i = 1; i <= (opts.workers ?? 3); i++) {
      const w = { name: `worker-${i}`, port: await freePort() } as Replica;
      workers.push(Object.assign(w, { process: launch(w) }));
    }
    const ingresses: Replica[] = [];
    for (let i = 1; i <= (opts.ingressReplicas ?? 3); i++) {
      const r = { name: `ingress-${i}`, port: await freePort(), adminPort: await freePort() } as Replica;
      ingresses.push(Object.assign(r, { process: launch(r) }));
    }
    stoppers.push(() => Promise.all(workers.map((w) => w.process.stop())).then(() => undefined));
    stoppers.push(() => Promise.all(ingresses.map((r) => r.process.stop())).then(() => undefined));
    for (const w of workers) await waitUntil(w.process, `its ops port ${w.port}`, () => portAnswers(w.port), 120_000);
    for (const r of ingresses) await waitUntil(r.process, `its port ${r.port}`, () => portAnswers(r.port), 120_000);

    const haproxy = await startHaproxy({ dir: join(dataDir, 'haproxy'), port: opts.ports.https, statsPort: await freePort(), backends: ingresses.map((r) => ({ name: r.name, port: r.port })) });
    own(haproxy.process);
    await waitUntil(haproxy.process, 'every ingress replica up in HAProxy', () => allUp(haproxy.statsUrl, ingresses.length), 30_000);

    return {
      url: haproxy.url, haproxy, postgres, temporal, uiUrl: ui?.url, services, sandbox, ingresses, workers,
      processes: () => [
        { name: 'launcher (SMTP catcher, payments sandbox inside)', pid: process.pid, address: `${services.smtpUrl}${sandbox.sandbox ? `, ${sandbox.sandbox.url}` : ''}` },
        { name: 'postgres', pid: postgres.process.child.pid, address: portOf(postgres.port) },
        ...services.processes.map((p) => ({ name: p.name, pid: p.child.pid, address: services.mongodbUri })),
        ...TEMPORAL_SERVICES.map((s: TemporalService) => ({ name: `temporal-${s}`, pid: temporal.services[s].child.pid, address: `${s === 'worker' ? `membership ${portOf(membership.worker)}` : portOf(grpc[s])} (metrics ${temporal.metrics[s]})` })),
        ...(ui ? [{ name: 'temporal-ui', pid: ui.process.child.pid, address: ui.url }] : []),
        ...workers.map((w) => ({ name: w.name, pid: w.process.child.pid, address: `${portOf(w.port)} (ops)` })),
        ...ingresses.map((r) => ({ name: r.name, pid: r.process.child.pid, address: `${portOf(r.port)} (admin ${portOf(r.adminPort!)})` })),
        { name: 'haproxy', pid: haproxy.process.child.pid, address: `${haproxy.url} (stats ${haproxy.statsUrl})` },
      ],
      async restartReplica(replica) {
        await replica.process.stop();
        replica.process = launch(replica);
        await waitUntil(replica.process, `port ${replica.port}`, () => portAnswers(replica.port), 120_000);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** HAProxy's statistics as CSV: every server of the ingress backend reports UP. */
export async function allUp(statsUrl: string, count: number): Promise<boolean> {
  try {
    const csv = await (await fetch(`${statsUrl};csv`)).text();
    const up = csv.split('\n').filter((line) => line.startsWith('ingress,ingress-') && line.split(',')[17] === 'UP');
    return up.length === count;
  } catch {
    return false;
  }
}
