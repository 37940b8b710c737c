// The Temporal server as a cluster: its schema set up in PostgreSQL with Temporal's own SQL tool,
// then frontend, history, matching and worker as four processes of the server binary, one config
// file; the `default` namespace and hookflow's search attributes registered once it answers.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { searchAttributes } from '../../engine/contract';
import { type ManagedProcess, portAnswers, startProcess, waitUntil } from '../process';
import { psql, type Postgres } from './postgres';
import { CONFIG_ENV_NAME, METRICS_ENV, TEMPORAL_SERVICES, type TemporalClusterPorts, type TemporalService, writeTemporalConfig } from './temporal-config';

export const NAMESPACE = 'default';
const RETENTION_DAYS = 3;
/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD */
const KEYWORD = 2;

export interface TemporalClusterOptions {
  serverBin: string;
  sqlToolBin: string;
  dataDir: string;
  ports: TemporalClusterPorts;
  /** Where each service's Prometheus metrics listen. */
  metricsPorts: Record<TemporalService, number>;
  postgres: Postgres;
  echo?: boolean;
}

export interface TemporalCluster {
  address: string;
  services: Record<TemporalService, ManagedProcess>;
  metrics: Record<TemporalService, string>;
  /** Starts one service again (after a kill on purpose), same config and ports. */
  restart(service: TemporalService): ManagedProcess;
}

/** Temporal's databases and schema: created on first start, brought to the binary's version on every start. */
export function setUpSchema(sqlToolBin: string, pg: Postgres): void {
  const env = { ...process.env, SQL_PLUGIN: 'postgres12', SQL_HOST: pg.host, SQL_PORT: String(pg.port), SQL_USER: pg.user, SQL_PASSWORD: pg.password };
  const tool = (database: string, ...args: string[]) => {
    const res = spawnSync(sqlToolBin, ['--plugin', 'postgres12', '--db', database, ...args], { env, encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`temporal-sql-tool --db ${database} ${args.join(' ')} failed: ${(res.stderr || res.stdout || String(res.error)).trim().split('\n').slice(-3).join('\n')}`);
  };
  for (const [database, schema] of [['temporal', 'postgresql/v12/temporal'], ['temporal_visibility', 'postgresql/v12/visibility']]) {
    const exists = psql(pg, 'postgres', `SELECT 1 FROM pg_database WHERE datname = '${database}'`) === '1';
    if (!exists) {
      tool(database, 'create-database');
      tool(database, 'setup-schema', '-v', '0.0');
    }
    tool(database, 'update-schema', '--schema-name', schema); // the embedded versioned schema, up to the newest
  }
}

export async function startTemporalCluster(opts: TemporalClusterOptions): Promise<TemporalCluster> {
  const { grpc } = opts.ports;
  const configDir = writeTemporalConfig({ dir: join(opts.dataDir, 'config'), ports: opts.ports, postgres: opts.postgres });
  const metrics = Object.fromEntries(TEMPORAL_SERVICES.map((s) => [s, `127.0.0.1:${opts.metricsPorts[s]}`])) as Record<TemporalService, string>;
  const start = (service: TemporalService) =>
    startProcess({
      name: `temporal-${service}`,
      command: opts.serverBin,
      args: ['--root', '/', '--config', configDir, '--env', CONFIG_ENV_NAME, '--allow-no-auth', 'start', '--service', service],
      env: { ...process.env, [METRICS_ENV]: metrics[service] },
      logFile: join(opts.dataDir, `${service}.log`),
      echo: opts.echo,
    });
  // History first: each service writes the cluster's metadata record on its first start, and four
  // doing it at once on a fresh database lose the race to each other and exit (seen here).
  const services = { history: start('history') } as Record<TemporalService, ManagedProcess>;
  const address = `127.0.0.1:${grpc.frontend}`;
  const cluster: TemporalCluster = {
    address,
    services,
    metrics,
    restart(service) {
      services[service] = start(service);
      return services[service];
    },
  };
  try {
    await waitUntil(services.history, `gRPC on ${grpc.history}`, () => portAnswers(grpc.history), 120_000);
    for (const s of TEMPORAL_SERVICES) services[s] ??= start(s);
    // The worker service serves no gRPC of its own: it is up once it joined the membership ring.
    const listens = (s: TemporalService) => (s === 'worker' ? opts.ports.membership.worker : grpc[s]);
    for (const s of TEMPORAL_SERVICES) await waitUntil(services[s], `port ${listens(s)}`, () => portAnswers(listens(s)), 120_000);
    await waitUntil(services.frontend, `the frontend serving on ${address}`, () => attempt(address, (c) => c.workflowService.getSystemInfo({})), 120_000);
    await registerNamespace(address);
    await waitUntil(services.frontend, `the ${NAMESPACE} namespace and its search attributes`, () => attempt(address, (c) =>
      c.workflowService.countWorkflowExecutions({ namespace: NAMESPACE, query: `${searchAttributes.eventId.name} = "readiness-probe"` })), 120_000);
  } catch (err) {
    await Promise.all(Object.values(services).map((p) => p.stop()));
    throw err;
  }
  return cluster;
}

async function attempt(address: string, call: (c: Connection) => Promise<unknown>): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2000 });
    await call(connection);
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

/** What the dev server does with --search-attribute, done through the operator API of a real cluster. */
async function registerNamespace(address: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace: NAMESPACE, workflowExecutionRetentionPeriod: msToTs(`${RETENTION_DAYS} days`) });
    } catch (err) {
      if ((err as { code?: number }).code !== 6) throw err; // 6 ALREADY_EXISTS: a restart on the same data
    }
    let missing: string[] = [];
    for (let i = 0; i < 60; i++) {
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
        missing = Object.values(searchAttributes).map((k) => k.name).filter((name) => !(name in (customAttributes ?? {})));
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 1000)); // the namespace reaches every service's cache within seconds
      }
    }
    if (missing.length) {
      await connection.operatorService.addSearchAttributes({ namespace: NAMESPACE, searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])) });
    }
  } finally {
    await connection.close();
  }
}
