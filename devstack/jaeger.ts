// Jaeger, the trace backend of `npm start --tracing` and of the trace test: built from its Go
// module like the Temporal CLI (no binary can be downloaded here). Jaeger v2 is an OpenTelemetry
// Collector distribution run from a config file: OTLP in (HTTP, and gRPC), traces kept in memory,
// the UI and its query API (/api/traces, /api/v3) on one port. Everything on loopback, on the
// ports given; no other listener (the collector's own metrics are off).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ManagedProcess, startProcess, waitUntil } from './process';
import type { ToolSpec } from './tools';

export const JAEGER_TOOL: ToolSpec = { name: 'jaeger', envVar: 'HOOKFLOW_JAEGER_BIN', module: 'github.com/jaegertracing/jaeger', version: 'v1.75.0', pkg: './cmd/jaeger' };

export interface JaegerPorts {
  /** OTLP over HTTP: what hookflow exports to (OTEL_EXPORTER_OTLP_ENDPOINT). */
  otlpHttp: number;
  otlpGrpc: number;
  /** The UI and the query API. */
  ui: number;
  /** The query service's gRPC API. */
  queryGrpc: number;
}

export interface Jaeger {
  /** OTEL_EXPORTER_OTLP_ENDPOINT for hookflow's processes. */
  otlpEndpoint: string;
  uiUrl: string;
  process: ManagedProcess;
}

export function jaegerConfig(ports: JaegerPorts, maxTraces = 100_000): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${ports.ui}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: ${maxTraces}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${ports.otlpGrpc}
      http:
        endpoint: 127.0.0.1:${ports.otlpHttp}
processors:
  batch:
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

export async function startJaeger(opts: { bin: string; dataDir: string; ports: JaegerPorts; echo?: boolean }): Promise<Jaeger> {
  const config = join(opts.dataDir, 'jaeger.yaml');
  writeFileSync(config, jaegerConfig(opts.ports));
  const proc = startProcess({ name: 'jaeger', command: opts.bin, args: ['--config', config], logFile: join(opts.dataDir, 'jaeger.log'), echo: opts.echo });
  const uiUrl = `http://127.0.0.1:${opts.ports.ui}`;
  // Ready when the query API answers (the receivers start before it).
  await waitUntil(proc, `${uiUrl}/api/services`, () => fetch(`${uiUrl}/api/services`).then((r) => r.ok, () => false), 60_000);
  return { otlpEndpoint: `http://127.0.0.1:${opts.ports.otlpHttp}`, uiUrl, process: proc };
}
