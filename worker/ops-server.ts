// The worker's operations endpoint: /healthz (alive), /readyz (Temporal and MongoDB answer),
// /metrics (Temporal SDK metrics, scraped from the SDK's local exporter, plus the worker's own: email resends, process metrics).
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { type ReadinessCheck, readiness } from '../lib/health';
import { listenError } from '../lib/port-holder';
import { createWorkerMetrics } from '../lib/metrics';
import { type SdkMetricsLog, sdkMetricsReader } from './sdk-metrics';

export interface OpsServerOptions {
  port: number;
  host: string;
  checks: ReadinessCheck[];
  /** Where the Temporal SDK's Prometheus exporter listens (host:port), if enabled. */
  sdkMetricsAddress?: string;
  /** The worker's own metrics (lib/metrics.ts createWorkerMetrics); a fresh set when omitted. */
  registry?: Registry;
  /** Where an outage of the SDK's metrics is reported. */
  log?: SdkMetricsLog;
}

export async function startOpsServer(opts: OpsServerOptions): Promise<Server> {
  const registry = opts.registry ?? createWorkerMetrics().registry;
  const readSdk = opts.sdkMetricsAddress ? sdkMetricsReader(opts.sdkMetricsAddress, registry, opts.log) : async () => '';
  const server = createServer(async (req, res) => {
    const send = (status: number, type: string, body: string) => { res.writeHead(status, { 'content-type': type }); res.end(body); };
    try {
      if (req.url === '/healthz') return send(200, 'application/json', JSON.stringify({ status: 'ok' }));
      if (req.url === '/readyz') {
        const report = await readiness(opts.checks);
        return send(report.ready ? 200 : 503, 'application/json', JSON.stringify(report));
      }
      if (req.url === '/metrics') {
        const sdk = await readSdk(); // before the worker's own: it sets their hookflow_worker_sdk_metrics_up
        const own = await registry.metrics();
        return send(200, registry.contentType, `${sdk}\n${own}`);
      }
      send(404, 'application/json', JSON.stringify({ error: { code: 'not_found', message: 'try /healthz, /readyz or /metrics' } }));
    } catch (err) {
      send(500, 'application/json', JSON.stringify({ error: { code: 'internal_error', message: (err as Error).message } }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(listenError(err, opts.port, 'WORKER_OPS_PORT')));
    server.listen(opts.port, opts.host, () => resolve());
  });
  return server;
}
