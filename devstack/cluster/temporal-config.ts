// The one configuration file the four Temporal services start from (server v1.29 format), and its
// dynamic configuration. Each process reads the same file; the only per-process value, where its
// Prometheus metrics listen, comes from the environment through the file's template.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

export interface TemporalClusterPorts {
  /** gRPC port of each service; the frontend's is the one clients use. */
  grpc: Record<TemporalService, number>;
  /** Ringpop membership port of each service. */
  membership: Record<TemporalService, number>;
  frontendHttp: number;
}

export interface TemporalConfigOptions {
  dir: string;
  ports: TemporalClusterPorts;
  postgres: { host: string; port: number; user: string; password: string };
  /** Fixed when the databases are set up; changing it later needs a new cluster (Temporal's rule). */
  numHistoryShards?: number;
}

export const METRICS_ENV = 'HOOKFLOW_TEMPORAL_METRICS_ADDRESS';
export const CONFIG_ENV_NAME = 'cluster';

/** As the dev server hookflow uses runs (devstack/temporal.ts): flows' priority and fairness need the new matcher. */
const DYNAMIC_CONFIG = `# Written by npm run cluster (devstack/cluster/temporal-config.ts).
matching.useNewMatcher:
  - value: true
matching.numTaskqueueReadPartitions:
  - value: 1
matching.numTaskqueueWritePartitions:
  - value: 1
# Search attributes registered at start are usable at once by every service.
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
`;

function datastore(opts: TemporalConfigOptions, database: string, maxConns: number): string {
  const pg = opts.postgres;
  return `      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "${pg.host}:${pg.port}"
        connectProtocol: "tcp"
        user: "${pg.user}"
        password: "${pg.password}"
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
}

/** Writes <dir>/cluster.yaml and <dir>/dynamic.yaml; returns the folder to pass as --config. */
export function writeTemporalConfig(opts: TemporalConfigOptions): string {
  mkdirSync(opts.dir, { recursive: true });
  const { grpc, membership } = opts.ports;
  const service = (name: TemporalService) => `  ${name}:
    rpc:
      grpcPort: ${grpc[name]}
      membershipPort: ${membership[name]}
      bindOnLocalHost: true${name === 'frontend' ? `\n      httpPort: ${opts.ports.frontendHttp}` : ''}`;
  const yaml = `# enable-template
# Written by npm run cluster (devstack/cluster/temporal-config.ts); rewritten at every start.
log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${opts.numHistoryShards ?? 4}
  datastores:
    postgres-default:
${datastore(opts, 'temporal', 20)}
    postgres-visibility:
${datastore(opts, 'temporal_visibility', 10)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "{{ env "${METRICS_ENV}" }}"

services:
${TEMPORAL_SERVICES.map(service).join('\n')}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${grpc.frontend}"

publicClient:
  hostPort: "127.0.0.1:${grpc.frontend}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: "${join(opts.dir, 'dynamic.yaml')}"
  pollInterval: "10s"
`;
  writeFileSync(join(opts.dir, `${CONFIG_ENV_NAME}.yaml`), yaml, { mode: 0o600 }); // it holds the database password
  writeFileSync(join(opts.dir, 'dynamic.yaml'), DYNAMIC_CONFIG);
  return opts.dir;
}
