// PostgreSQL and Temporal's four services on it, on free loopback ports in `dataDir`: the part of
// the cluster topology the chaos harness kills piece by piece and the cluster bench measures
// (`npm run cluster` starts the same parts with its own ports, devstack/cluster/cluster.ts).
import { join } from 'node:path';
import { freePort } from '../../lib/net';
import { TOOLS, ensureTool } from '../tools';
import { type Postgres, startPostgres } from './postgres';
import { TEMPORAL_SERVICES, type TemporalService } from './temporal-config';
import { type TemporalCluster, setUpSchema, startTemporalCluster } from './temporal-cluster';

export interface TemporalOnPostgres {
  postgres: Postgres;
  temporal: TemporalCluster;
  /** Where each service listens: its gRPC port, or for the worker service its membership port. */
  listens: Record<TemporalService, number>;
  stop(): Promise<void>;
}

export async function startTemporalOnPostgres(dataDir: string, logDir: string, frontendPort: number): Promise<TemporalOnPostgres> {
  const postgres = await startPostgres({ dataDir: join(dataDir, 'postgres'), port: await freePort(), logFile: join(logDir, 'postgres.log') });
  try {
    const sqlTool = ensureTool(TOOLS['temporal-sql-tool']);
    setUpSchema(sqlTool, postgres);
    const free = async () => Object.fromEntries(await Promise.all(TEMPORAL_SERVICES.map(async (s) => [s, await freePort()]))) as Record<TemporalService, number>;
    const grpc = { ...(await free()), frontend: frontendPort };
    const membership = await free();
    const temporal = await startTemporalCluster({
      serverBin: ensureTool(TOOLS['temporal-server']), sqlToolBin: sqlTool, dataDir: join(dataDir, 'temporal'), postgres,
      ports: { grpc, membership, frontendHttp: await freePort() }, metricsPorts: await free(),
    });
    const listens = { ...grpc, worker: membership.worker };
    return {
      postgres, temporal, listens,
      async stop() {
        // The services before the database they write to.
        await Promise.all(TEMPORAL_SERVICES.map((s) => temporal.services[s].stop()));
        await postgres.process.stop();
      },
    };
  } catch (err) {
    await postgres.process.stop();
    throw err;
  }
}
