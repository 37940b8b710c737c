// The cluster topology's servers for the chaos harness: PostgreSQL and Temporal's four services
// as `npm run cluster` runs them (devstack/cluster/), each restartable on its own after a kill -9,
// and HAProxy with TLS in front of a scenario's ingresses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Haproxy, startHaproxy } from '../devstack/cluster/haproxy';
import { startPostgres } from '../devstack/cluster/postgres';
import { TEMPORAL_SERVICES } from '../devstack/cluster/temporal-config';
import { setUpSchema, startTemporalCluster } from '../devstack/cluster/temporal-cluster';
import { allUp } from '../devstack/cluster/cluster';
import { type ManagedProcess, portAnswers, waitUntil } from '../devstack/process';
import { TOOLS, ensureTool } from '../devstack/tools';
import { freePort } from '../lib/net';

/** A server process the harness kills and starts again on the same port and data. */
export interface Infra {
  process: ManagedProcess;
  start(): Promise<ManagedProcess>;
  killed: boolean;
}

export async function startClusterInfra(dataDir: string, logDir: string, frontendPort: number): Promise<Map<string, Infra>> {
  const infra = new Map<string, Infra>();
  const pgPort = await freePort();
  const pg = await startPostgres({ dataDir: join(dataDir, 'postgres'), port: pgPort, logFile: join(logDir, 'postgres.log') });
  infra.set('postgres', { process: pg.process, start: () => pg.restart(), killed: false });
  const sqlTool = ensureTool(TOOLS['temporal-sql-tool']);
  setUpSchema(sqlTool, pg);
  const free = async () => Object.fromEntries(await Promise.all(TEMPORAL_SERVICES.map(async (s) => [s, await freePort()]))) as Record<(typeof TEMPORAL_SERVICES)[number], number>;
  const grpc = { ...(await free()), frontend: frontendPort };
  const membership = await free();
  const cluster = await startTemporalCluster({
    serverBin: ensureTool(TOOLS['temporal-server']), sqlToolBin: sqlTool, dataDir: join(dataDir, 'temporal'), postgres: pg,
    ports: { grpc, membership, frontendHttp: await freePort() }, metricsPorts: await free(),
  });
  for (const s of TEMPORAL_SERVICES) {
    const listens = s === 'worker' ? membership.worker : grpc[s];
    infra.set(`temporal-${s}`, {
      process: cluster.services[s],
      async start() {
        const p = cluster.restart(s);
        await waitUntil(p, `port ${listens}`, () => portAnswers(listens), 120_000);
        return p;
      },
      killed: false,
    });
  }
  return infra;
}

export interface Balancer {
  url: string;
  /** The certificate to trust (PEM text). */
  ca: string;
  process: Haproxy['process'];
  stop(): Promise<void>;
}

export async function startBalancer(dataDir: string, ports: number[]): Promise<Balancer> {
  const haproxy = await startHaproxy({ dir: join(dataDir, 'haproxy'), port: await freePort(), statsPort: await freePort(), backends: ports.map((port, i) => ({ name: `ingress-${i + 1}`, port })) });
  await waitUntil(haproxy.process, 'every ingress up in HAProxy', () => allUp(haproxy.statsUrl, ports.length), 30_000);
  return { url: haproxy.url, ca: readFileSync(haproxy.certFile, 'utf8'), process: haproxy.process, stop: () => haproxy.process.stop() };
}
