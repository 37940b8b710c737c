// The cluster topology's servers for the chaos harness: PostgreSQL and Temporal's four services
// as `npm run cluster` runs them (devstack/cluster/), each restartable on its own after a kill -9,
// and HAProxy with TLS in front of a scenario's ingresses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Haproxy, startHaproxy } from '../devstack/cluster/haproxy';
import { TEMPORAL_SERVICES } from '../devstack/cluster/temporal-config';
import { startTemporalOnPostgres } from '../devstack/cluster/temporal-on-postgres';
import { allUp } from '../devstack/cluster/cluster';
import { type ManagedProcess, portAnswers, waitUntil } from '../devstack/process';
import { freePort } from '../lib/net';

/** A server process the harness kills and starts again on the same port and data. */
export interface Infra {
  process: ManagedProcess;
  start(): Promise<ManagedProcess>;
  killed: boolean;
}

export async function startClusterInfra(dataDir: string, logDir: string, frontendPort: number): Promise<Map<string, Infra>> {
  const infra = new Map<string, Infra>();
  const { postgres: pg, temporal: cluster, listens } = await startTemporalOnPostgres(dataDir, logDir, frontendPort);
  infra.set('postgres', { process: pg.process, start: () => pg.restart(), killed: false });
  for (const s of TEMPORAL_SERVICES) {
    infra.set(`temporal-${s}`, {
      process: cluster.services[s],
      async start() {
        const p = cluster.restart(s);
        await waitUntil(p, `port ${listens[s]}`, () => portAnswers(listens[s]), 120_000);
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
  /** Resolves true once its health checks see `count` ingresses up, false after `timeoutMs`. */
  up(count: number, timeoutMs: number): Promise<boolean>;
}

export async function startBalancer(dataDir: string, ports: number[]): Promise<Balancer> {
  const haproxy = await startHaproxy({ dir: join(dataDir, 'haproxy'), port: await freePort(), statsPort: await freePort(), backends: ports.map((port, i) => ({ name: `ingress-${i + 1}`, port })) });
  await waitUntil(haproxy.process, 'every ingress up in HAProxy', () => allUp(haproxy.statsUrl, ports.length), 30_000);
  const up = async (count: number, timeoutMs: number) => {
    for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) if (await allUp(haproxy.statsUrl, count)) return true;
    return false;
  };
  return { url: haproxy.url, ca: readFileSync(haproxy.certFile, 'utf8'), process: haproxy.process, stop: () => haproxy.process.stop(), up };
}
