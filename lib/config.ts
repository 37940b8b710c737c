// All settings, read from the environment once, checked, frozen and passed in.
// A wrong value fails fast with a message naming the variable to set.
import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type EgressPolicy, parseEgressAllow } from './egress';
import { compileCidrs } from './address-ranges';
import { DEV_DEFAULT_VALUES } from './dev-defaults';
import { ConfigError } from './errors';
import { type TemporalConnectionSettings, temporalConnectionSettings } from './temporal-connection';
import { type PayloadKeys, parsePayloadKeys } from './payload-codec';
import { tracingWanted } from './tracing';

/** host (or "*.domain": each host of the domain on its own) → http.request calls per second, across all workers. */
export type HostLimits = Readonly<Record<string, number>>;

export interface Config {
  ingressPort: number;
  /** The worker's /healthz, /readyz and /metrics. */
  workerOpsPort: number;
  ingressHost: string;
  /** ADMIN_PORT: the admin listener (console, /admin, /metrics, /readyz). */
  adminPort: number;
  /** ADMIN_HOST: where the admin listener binds; loopback unless set. */
  adminHost: string;
  /** HOOKFLOW_TLS_CERT_PATH and HOOKFLOW_TLS_KEY_PATH: the ingress serves HTTPS, reloading them when they change. */
  ingressTls?: { certPath: string; keyPath: string };
  temporalAddress: string;
  /** Address, TLS and API key for the ingress's and the worker's connections (lib/temporal-connection.ts). */
  temporal: TemporalConnectionSettings;
  temporalNamespace: string;
  /** Base URL of the Temporal Web UI, for links to runs (default the dev stack's). */
  temporalUiUrl: string;
  taskQueue: string;
  mongodbUri: string;
  mongodbDb: string;
  smtpUrl: string;
  mailFrom: string;
  flowsDir: string;
  sourcesDir: string;
  schemasDir: string;
  /** Outbound webhook destinations (destinations/*.yaml); none when the folder does not exist. */
  destinationsDir: string;
  logLevel: string;
  prettyLogs: boolean;
  /** How long an event id is remembered as a duplicate (s), independent of Temporal's retention. */
  dedupeWindowSeconds: number;
  /** Raw body bytes kept on delivery records of requests that were not accepted. */
  deliveryBodyBytes: number;
  /** How long a request may wait for Temporal to start its runs before leaving them to the relay (ms). */
  startDeadlineMs: number;
  /** How often the relay looks for stored events still to start (ms). */
  relayPollMs: number;
  /** Webhook requests one ingress works on at once; past it a request gets 503 + Retry-After at once. */
  maxInFlight: number;
  /** HOOKFLOW_MAX_IN_FLIGHT_PER_ADDRESS: of those, from one socket address; 0 (default): no such bound (behind a load balancer every request has its address). */
  maxInFlightPerAddress: number;
  /** HOOKFLOW_BODY_DEADLINE_MS: how long a client may take to send a webhook's body before 408. */
  bodyDeadlineMs: number;
  /** Queueing time (ms) a measured admission bound allows on top of the no-queue answer time (server/webhooks/admission-limit.ts); 0 (default): the bound is maxInFlight. */
  admissionTargetMs: number;
  /** How long (h after arrival) the relay retries an event Temporal keeps refusing for a transient reason; then it is failed. */
  relayGiveUpHours: number;

  // Retention of delivery records (metrics, health and logs need no settings beyond LOG_LEVEL).
  /** Days a delivery record and its stored body are kept before the scheduled cleanup deletes them. */
  retentionDays: number;
  /** How often each ingress runs that cleanup (ms). */
  purgeEveryMs: number;
  /** HOOKFLOW_BUNDLE_CACHE: where workers keep workflow bundles by content hash (worker/workflow-bundle.ts). */
  workflowBundleCache: string;
  /** OpenTelemetry traces over OTLP (lib/tracing.ts): on when OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) or HOOKFLOW_TRACING=1 is set. */
  tracing: boolean;
  /** HOOKFLOW_WORKER_WORKFLOW_TASKS: workflow tasks one worker works on at once (docs/benchmarks.md says why 10). */
  workerWorkflowTasks: number;
  /** HOOKFLOW_WORKER_LOCAL_ACTIVITIES: local steps one worker runs at once (docs/operations.md "Worker slots"). */
  workerLocalActivities: number;
  /** HOOKFLOW_WORKER_ACTIVITIES: ordinary activity tasks (email, HTTP) one worker runs at once. */
  workerActivities: number;
  /** http.request calls per second per host, across every worker (HOOKFLOW_HTTP_HOST_LIMITS). */
  httpHostLimits: HostLimits;
  /** HOOKFLOW_EGRESS_ALLOW: loopback, private or link-local destinations http.request may call anyway (activities/egress.ts). */
  egressAllow: EgressPolicy;

  /**
   * HOOKFLOW_PAYLOAD_KEYS: the keys that encrypt every payload in Temporal (lib/payload-codec.ts),
   * the first one encrypting. Required in production; unset elsewhere, payloads are plaintext and
   * the worker runs whatever Temporal hands it.
   */
  payloadKeys?: PayloadKeys;
  /** HOOKFLOW_ACCEPT_PLAINTEXT_RUNS=1: during the upgrade to encryption, the worker also runs plaintext payloads (docs/operations.md). */
  acceptPlaintextRuns: boolean;

  // Admin API (server/admin): deliveries and replay.
  /** HOOKFLOW_ADMIN_TOKEN: bearer token of the admin API; unset, the admin API is disabled. */
  adminToken?: string;
  /** HOOKFLOW_REPLAY_CONCURRENCY: deliveries one bulk replay works on at once. */
  replayConcurrency: number;
  /** HOOKFLOW_METRICS_TOKEN: when set, /metrics needs it as a bearer token. */
  metricsToken?: string;
  /**
   * HOOKFLOW_ADMIN_ALLOWED_HOSTS: Host names /admin and /console answer to (against DNS rebinding);
   * "*" for any. Default: localhost, 127.0.0.1, ::1 and ADMIN_HOST when it is one address.
   */
  adminAllowedHosts: readonly string[];
  /**
   * HOOKFLOW_ADMIN_TRUSTED_PROXIES: addresses or CIDR ranges (IPv4, IPv6; comma-separated) of
   * TLS-terminating proxies in front of the admin listener whose X-Forwarded-Proto is believed, so
   * the console cookie is Secure behind them. Empty by default: the header changes nothing.
   */
  adminTrustedProxies: readonly string[];
  /** HOOKFLOW_WORKER_OPS_URLS: the workers' ops endpoints (http://worker-1:3001,…) the console's Health page reads stall signals from. */
  workerOpsUrls: readonly string[];
  /** HOOKFLOW_TRACE_UI_URL: the trace backend's UI (Jaeger's, http://…:16686); the console's timeline links an event's trace there. */
  traceUiUrl?: string;
}

/** The project folder, the one with package.json: above lib/ from source, above dist/lib/ when compiled. */
function projectRoot(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return resolve(__dirname, '..');
}

/** Outside any clone, so every checkout and test run shares bundles of the same code. */
export const DEFAULT_BUNDLE_CACHE = join(homedir(), '.cache', 'hookflow', 'workflow-bundles');

/** The task queue when TEMPORAL_TASK_QUEUE is not set. */
export const DEFAULT_TASK_QUEUE = 'hookflow';
/** The folder with package.json: the checkout, or /app in the image (dist/ sits below it). */
export const PROJECT_ROOT = projectRoot();
const ROOT = PROJECT_ROOT;

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${name} must be a port number (0-65535), got "${raw}"`);
  return n;
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${name} must be a whole number of at least ${min}, got "${raw}"`);
  return n;
}

function url(env: NodeJS.ProcessEnv, name: string, fallback: string, protocols: string[]): string {
  const raw = env[name] || fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL such as ${fallback}, got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  return raw;
}

/**
 * A production process: HOOKFLOW_ENV=production, or NODE_ENV=production (the image sets it) unless
 * HOOKFLOW_ENV says otherwise. `npm start` and the tests set neither.
 */
export function isProduction(env: NodeJS.ProcessEnv): boolean {
  if (env.HOOKFLOW_ENV) return env.HOOKFLOW_ENV === 'production';
  return env.NODE_ENV === 'production';
}

/** Production refuses the development defaults printed in the README, whichever variable holds them. */
function refuseDevDefaults(env: NodeJS.ProcessEnv): void {
  if (env.HOOKFLOW_ENV && !['production', 'development', 'test'].includes(env.HOOKFLOW_ENV)) throw new ConfigError(`HOOKFLOW_ENV must be production, development or test; got "${env.HOOKFLOW_ENV}"`);
  if (!isProduction(env)) return;
  const dev = new Set(DEV_DEFAULT_VALUES);
  const found = Object.keys(env).filter((name) => dev.has(env[name] ?? '')).sort();
  if (found.length) throw new ConfigError(`${found.join(', ')} ${found.length === 1 ? 'holds' : 'hold'} a development default (printed in the README); set a secret of your own in production (e.g. openssl rand -hex 24), or HOOKFLOW_ENV=development outside production`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  refuseDevDefaults(env);
  const temporal = temporalConnectionSettings(env);
  const level = env.LOG_LEVEL || 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) throw new ConfigError(`LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent; got "${level}"`);
  return Object.freeze({
    ingressPort: int(env, 'PORT', 3000),
    workerOpsPort: int(env, 'WORKER_OPS_PORT', 3001),
    ingressHost: env.HOST || '127.0.0.1',
    adminPort: int(env, 'ADMIN_PORT', 3002),
    adminHost: env.ADMIN_HOST || '127.0.0.1',
    ingressTls: ingressTls(env),
    temporalAddress: temporal.address,
    temporal,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    temporalUiUrl: url(env, 'TEMPORAL_UI_URL', 'http://127.0.0.1:8233', ['http:', 'https:']).replace(/\/+$/, ''),
    taskQueue: env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    mongodbUri: url(env, 'MONGODB_URI', 'mongodb://127.0.0.1:27017/', ['mongodb:', 'mongodb+srv:']),
    mongodbDb: env.MONGODB_DB || 'hookflow',
    smtpUrl: url(env, 'SMTP_URL', 'smtp://127.0.0.1:2525', ['smtp:', 'smtps:']),
    mailFrom: env.MAIL_FROM || 'hookflow <hookflow@localhost>',
    flowsDir: resolve(env.HOOKFLOW_FLOWS_DIR || resolve(ROOT, 'flows')),
    sourcesDir: resolve(env.HOOKFLOW_SOURCES_DIR || resolve(ROOT, 'sources')),
    schemasDir: resolve(env.HOOKFLOW_SCHEMAS_DIR || resolve(ROOT, 'schemas')),
    destinationsDir: resolve(env.HOOKFLOW_DESTINATIONS_DIR || resolve(ROOT, 'destinations')),
    logLevel: level,
    prettyLogs: env.HOOKFLOW_PRETTY_LOGS === '1',
    dedupeWindowSeconds: count(env, 'HOOKFLOW_DEDUPE_WINDOW_SECONDS', 7 * 24 * 3600),
    deliveryBodyBytes: count(env, 'HOOKFLOW_DELIVERY_BODY_BYTES', 64 * 1024, 0),
    startDeadlineMs: count(env, 'HOOKFLOW_START_DEADLINE_MS', 3000, 100),
    relayPollMs: count(env, 'HOOKFLOW_RELAY_POLL_MS', 1000, 50),
    maxInFlight: count(env, 'HOOKFLOW_MAX_IN_FLIGHT', 64),
    admissionTargetMs: count(env, 'HOOKFLOW_ADMISSION_TARGET_MS', 0, 0),
    maxInFlightPerAddress: count(env, 'HOOKFLOW_MAX_IN_FLIGHT_PER_ADDRESS', 0, 0),
    bodyDeadlineMs: count(env, 'HOOKFLOW_BODY_DEADLINE_MS', 10_000, 100),
    relayGiveUpHours: count(env, 'HOOKFLOW_RELAY_GIVE_UP_HOURS', 72, 1),

    retentionDays: count(env, 'HOOKFLOW_RETENTION_DAYS', 30),
    purgeEveryMs: count(env, 'HOOKFLOW_PURGE_EVERY_MS', 10 * 60_000, 1000),
    workflowBundleCache: resolve(env.HOOKFLOW_BUNDLE_CACHE || DEFAULT_BUNDLE_CACHE),
    tracing: tracingWanted(env),
    workerWorkflowTasks: count(env, 'HOOKFLOW_WORKER_WORKFLOW_TASKS', 10, 2),
    workerLocalActivities: count(env, 'HOOKFLOW_WORKER_LOCAL_ACTIVITIES', 40),
    workerActivities: count(env, 'HOOKFLOW_WORKER_ACTIVITIES', 100),
    httpHostLimits: hostLimits(env, 'HOOKFLOW_HTTP_HOST_LIMITS'),
    egressAllow: egressAllow(env, 'HOOKFLOW_EGRESS_ALLOW'),
    ...payloadConfig(env),
    ...adminConfig(env),
    workerOpsUrls: workerOpsUrls(env),
    traceUiUrl: env.HOOKFLOW_TRACE_UI_URL || undefined,
  });
}

function workerOpsUrls(env: NodeJS.ProcessEnv): readonly string[] {
  const listed = (env.HOOKFLOW_WORKER_OPS_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  for (const url of listed) if (!/^https?:\/\/[^\s/]+\/?$/.test(url)) throw new ConfigError(`HOOKFLOW_WORKER_OPS_URLS must list the workers' ops endpoints as http://host:port, separated by commas (e.g. http://worker-1:3001,http://worker-2:3001); got "${url}"`);
  return Object.freeze(listed);
}

function trustedProxies(env: NodeJS.ProcessEnv): readonly string[] {
  const listed = (env.HOOKFLOW_ADMIN_TRUSTED_PROXIES ?? '').split(',').map((a) => a.trim().toLowerCase()).filter(Boolean);
  const { invalid } = compileCidrs(listed);
  if (invalid.length) throw new ConfigError(`HOOKFLOW_ADMIN_TRUSTED_PROXIES must list the proxies' IP addresses or CIDR ranges, e.g. 10.0.0.7,10.0.0.0/8,fd00::/8; got "${listed[invalid[0]!]}"`);
  return Object.freeze(listed);
}

function allowedHosts(env: NodeJS.ProcessEnv): readonly string[] {
  const listed = (env.HOOKFLOW_ADMIN_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  for (const host of listed) if (host !== '*' && !/^[a-z0-9.-]+$/.test(host) && !/^[0-9a-f]*:[0-9a-f:.]*:[0-9a-f.]*$/.test(host)) throw new ConfigError(`HOOKFLOW_ADMIN_ALLOWED_HOSTS must list host names without ports, e.g. admin.example.com,10.0.0.5 (or "*"); got "${host}"`);
  if (listed.length) return Object.freeze(listed);
  const bound = (env.ADMIN_HOST || '127.0.0.1').toLowerCase();
  return Object.freeze(['localhost', '127.0.0.1', '::1', ...(['0.0.0.0', '::', '127.0.0.1', '::1'].includes(bound) ? [] : [bound])]);
}

/** "api.shopify.com=2,*.myshopify.com=2": calls per second per host. */
export function hostLimits(env: NodeJS.ProcessEnv, name: string): HostLimits {
  const limits: Record<string, number> = {};
  for (const part of (env[name] ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\*\.)?([a-z0-9.-]+)=([0-9]+(?:\.[0-9]+)?)$/i.exec(part);
    if (!m || !(Number(m[3]) > 0)) throw new ConfigError(`${name} must list host=calls-per-second, e.g. api.shopify.com=2,*.myshopify.com=2; got "${part}"`);
    limits[`${m[1] ?? ''}${m[2].toLowerCase()}`] = Number(m[3]);
  }
  return Object.freeze(limits);
}

function egressAllow(env: NodeJS.ProcessEnv, name: string): EgressPolicy {
  try {
    return parseEgressAllow(env[name] ?? '');
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`);
  }
}

/** Production (isProduction: HOOKFLOW_ENV, else NODE_ENV as the image sets it) refuses to start without payload keys. */
function payloadConfig(env: NodeJS.ProcessEnv): Pick<Config, 'payloadKeys' | 'acceptPlaintextRuns'> {
  const raw = env.HOOKFLOW_PAYLOAD_KEYS || undefined;
  if (raw === undefined && isProduction(env)) {
    throw new ConfigError('HOOKFLOW_PAYLOAD_KEYS must be set in production: id:base64-key pairs, e.g. k1:$(openssl rand -base64 32), the same on the ingress, the worker and the CLI (docs/security.md "Payload encryption and authenticated runs")');
  }
  const accept = env.HOOKFLOW_ACCEPT_PLAINTEXT_RUNS || '0';
  if (accept !== '0' && accept !== '1') throw new ConfigError(`HOOKFLOW_ACCEPT_PLAINTEXT_RUNS must be 0 or 1, got "${accept}"`);
  return { payloadKeys: raw === undefined ? undefined : parsePayloadKeys(raw), acceptPlaintextRuns: accept === '1' };
}

const MIN_ADMIN_TOKEN = 16;

function adminConfig(env: NodeJS.ProcessEnv): Pick<Config, 'adminToken' | 'replayConcurrency' | 'metricsToken' | 'adminAllowedHosts' | 'adminTrustedProxies'> {
  const token = env.HOOKFLOW_ADMIN_TOKEN || undefined;
  if (token !== undefined && token.length < MIN_ADMIN_TOKEN) throw new ConfigError(`HOOKFLOW_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN} characters (e.g. openssl rand -hex 24), or unset to disable the admin API`);
  const replayConcurrency = count(env, 'HOOKFLOW_REPLAY_CONCURRENCY', 4);
  if (replayConcurrency > 64) throw new ConfigError(`HOOKFLOW_REPLAY_CONCURRENCY must be at most 64, got "${replayConcurrency}"`);
  const metricsToken = env.HOOKFLOW_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < MIN_ADMIN_TOKEN) throw new ConfigError(`HOOKFLOW_METRICS_TOKEN must be at least ${MIN_ADMIN_TOKEN} characters, or unset to leave /metrics open on the admin listener`);
  return { adminToken: token, replayConcurrency, metricsToken, adminAllowedHosts: allowedHosts(env), adminTrustedProxies: trustedProxies(env) };
}

function ingressTls(env: NodeJS.ProcessEnv): Config['ingressTls'] {
  const certPath = env.HOOKFLOW_TLS_CERT_PATH || undefined;
  const keyPath = env.HOOKFLOW_TLS_KEY_PATH || undefined;
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath) throw new ConfigError(`${certPath ? 'HOOKFLOW_TLS_KEY_PATH' : 'HOOKFLOW_TLS_CERT_PATH'} must be set too: HTTPS needs the certificate (HOOKFLOW_TLS_CERT_PATH) and its key (HOOKFLOW_TLS_KEY_PATH)`);
  for (const [name, path] of [['HOOKFLOW_TLS_CERT_PATH', certPath], ['HOOKFLOW_TLS_KEY_PATH', keyPath]]) {
    try {
      accessSync(path, constants.R_OK);
    } catch (err) {
      throw new ConfigError(`${name}: cannot read "${path}" (${(err as NodeJS.ErrnoException).code})`);
    }
  }
  return { certPath: resolve(certPath), keyPath: resolve(keyPath) };
}
