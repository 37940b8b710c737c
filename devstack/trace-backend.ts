// `npm start --tracing` (or HOOKFLOW_TRACING=1): a Jaeger on loopback receives the stack's traces
// (devstack/jaeger.ts), and the worker and ingress export to it (OTEL_EXPORTER_OTLP_ENDPOINT).
// An endpoint set already is used as it is: nothing is started. Ports: HOOKFLOW_JAEGER_UI_PORT
// (16686), HOOKFLOW_JAEGER_OTLP_PORT (4318, OTLP/HTTP; gRPC on the next port up), the query's gRPC on UI + 1.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { portInUseError } from '../lib/port-holder';
import { portAnswers } from './process';
import { JAEGER_TOOL, startJaeger } from './jaeger';
import { ensureTool } from './tools';

export interface TraceBackend {
  /** The banner's line. */
  line: string;
  stop(): Promise<void>;
}

/** `npm start --tracing` reaches us as npm's config (npm_config_tracing), `npm start -- --tracing` as an argument. */
export function tracingAsked(env: NodeJS.ProcessEnv, argv = process.argv): boolean {
  return argv.includes('--tracing') || env.npm_config_tracing === 'true' || env.HOOKFLOW_TRACING === '1';
}

/** Starts Jaeger when tracing is asked for and no endpoint is set; sets `env` for the children. */
export async function startTraceBackendIfWanted(env: NodeJS.ProcessEnv, dataDir: string): Promise<TraceBackend | undefined> {
  if (!tracingAsked(env)) return undefined;
  env.HOOKFLOW_TRACING = '1';
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    return { line: `exported to ${env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT}`, stop: async () => undefined };
  }
  const ui = Number(env.HOOKFLOW_JAEGER_UI_PORT || 16686);
  const otlp = Number(env.HOOKFLOW_JAEGER_OTLP_PORT || 4318);
  const ports = { ui, queryGrpc: ui - 1, otlpHttp: otlp, otlpGrpc: otlp - 1 };
  for (const [name, p] of Object.entries({ HOOKFLOW_JAEGER_UI_PORT: ports.ui, 'HOOKFLOW_JAEGER_UI_PORT - 1': ports.queryGrpc, HOOKFLOW_JAEGER_OTLP_PORT: ports.otlpHttp, 'HOOKFLOW_JAEGER_OTLP_PORT - 1': ports.otlpGrpc })) {
    if (await portAnswers(p)) throw portInUseError(p, name);
  }
  const dir = join(dataDir, 'jaeger');
  mkdirSync(dir, { recursive: true });
  const jaeger = await startJaeger({ bin: ensureTool(JAEGER_TOOL), dataDir: dir, ports });
  env.OTEL_EXPORTER_OTLP_ENDPOINT = jaeger.otlpEndpoint;
  env.HOOKFLOW_TRACE_UI_URL ||= jaeger.uiUrl; // the console's timeline links each event's trace there
  return { line: `${jaeger.uiUrl} (Jaeger, in memory; find an event by the tag hookflow.event.id, or open /trace/<traceId of its delivery>)`, stop: () => jaeger.process.stop() };
}
