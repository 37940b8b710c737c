// An isolated real stack for a test file: Temporal dev server and FerretDB on free ports with a
// fresh data folder, an SMTP catcher, the worker and the ingress in-process on real sockets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, type LogEntry, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { MongoClient, type Db } from 'mongodb';
import pino from 'pino';
import { startEmbeddedServices, type EmbeddedServices } from '../../devstack/services';
import { freePort } from '../../lib/net';
import { parseEgressAllow } from '../../lib/egress';
import { loadDefinitions, type Definitions } from '../../definitions/definitions';
import { createRunStarter } from '../../server/starts/start-runs';
import { ingressDataConverter } from '../../server/starts/temporal-payloads';
import type { DeliveryStore } from '../../server/deliveries/store';
import type { Relay } from '../../server/deliveries/relay';
import { TEST_ADMIN_TOKEN, TEST_SECRET, TEST_TASK_QUEUE, startIngress } from './ingress';
import type { AdminApi } from '../../server/admin';
import { createWorker } from '../../worker/create-worker';
import { type DestinationStore, createDestinationStore } from '../../definitions/destination-store';
import { countingOverDeadline } from '../../worker/stall-signals';
import { flowWorkflowBundle } from '../../worker/workflow-bundle';
import { createMailer } from '../../activities/mailer';
import type { ActivityDeps } from '../../activities';
import type { SmtpCatcher } from '../../devstack/smtp-catcher';
import { EncryptionCodec, generatePayloadKeys, parsePayloadKeys } from '../../lib/payload-codec';
import type { Tracing } from '../../lib/tracing';
import { tracedClientInterceptors } from '../../server/starts';

export { ROOT } from './paths';
import { ROOT } from './paths';
export { TEST_ADMIN_TOKEN, TEST_SECRET } from './ingress';
export { TEST_TASK_QUEUE };
/**
 * HOOKFLOW_PAYLOAD_KEYS of every test stack in this process: its worker refuses runs no key wrote,
 * so an ingress a test spawns against it (server/main.ts) must have them too.
 */
export const TEST_PAYLOAD_KEYS = generatePayloadKeys('test');

/** Where the worker's Temporal SDK metrics are served (Prometheus text), once a stack has started. */
let sdkMetricsAddress: string | undefined;
let overDeadline = 0;
/** Workflow tasks of this process's workers that ran past their deadline (the SDK's TMPRL1104 warning, as worker/main.ts counts them). */
export const workflowTasksOverDeadline = (): number => overDeadline;

export interface TestStack {
  services: EmbeddedServices;
  smtp: SmtpCatcher;
  client: Client;
  db: Db;
  definitions: Definitions;
  deliveries: DeliveryStore;
  relay: Relay;
  /** The public listener: /webhooks/* and /healthz. */
  ingressUrl: string;
  /** The admin listener: the console (/console), /admin, /metrics and /readyz. */
  adminUrl: string;
  /** The admin API (token TEST_ADMIN_TOKEN), with its bulk replays. */
  admin: AdminApi;
  /** Base URL the admin API links runs to. */
  temporalUiUrl: string;
  /** Set to inject a failure after an activity's effect (simulates a crash before completion). */
  faults: {
    afterEffect?: ActivityDeps['afterEffect'];
    /** Awaited before the admin API starts a replay's run: holds replays back. */
    beforeReplayStart?: () => Promise<void>;
    /** Awaited before every start (the request's, the relay's, a replay's): a throw is Temporal failing that start. */
    beforeStart?: () => Promise<void>;
  };
  /** The SDK's Prometheus exporter (host:port): Temporal's worker metrics and the per-flow run counters. */
  sdkMetricsAddress: string;
  /** The codec of the stack's client and worker (TEST_PAYLOAD_KEYS), for tests that read payloads of a fetched history; undefined with `payloads: false`. */
  codec?: EncryptionCodec;
  /** The worker's destinations (reload() after a test rewrites a file); undefined without destinationsDir. */
  destinations?: DestinationStore;
  /** The in-process worker (its state tells whether it polls); undefined with `worker: false`. */
  worker?: Worker;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  flowsDir?: string;
  sourcesDir?: string;
  schemasDir?: string;
  /** Secrets (and other variables) the source files read, besides PAYMENTS_WEBHOOK_SECRET. */
  env?: NodeJS.ProcessEnv;
  /** Non-public addresses the worker's http.request may call (HOOKFLOW_EGRESS_ALLOW); default loopback, where tests run their fake APIs. */
  egressAllow?: string;
  /** The worker's http.request calls per second per host (HOOKFLOW_HTTP_HOST_LIMITS). */
  httpHostLimits?: Record<string, number>;
  /** Deliveries a bulk replay works on at once (default 4). */
  replayConcurrency?: number;
  /** Start the Temporal Web UI too (browser tests follow the console's run links into it). */
  temporalUi?: boolean;
  /** false: no worker in this process (the test runs worker/main.ts itself, to kill it). */
  worker?: false;
  /** Outbound webhook destinations the worker loads (destinations/*.yaml); none when omitted. Their secrets are read from process.env. */
  destinationsDir?: string;
  /** false: payloads in plaintext, and the worker runs any run (as without HOOKFLOW_PAYLOAD_KEYS): histories recorded for the replay test. */
  payloads?: false;
  /** More Temporal dynamic config, e.g. a low limit.historyCount.suggestContinueAsNew. */
  temporalDynamicConfig?: string[];
  /** HOOKFLOW_WORKER_OPS_URLS of the ingress: workers' ops endpoints the console's Health page reads. */
  workerOpsUrls?: string[];
  /** Tracing started in this process (lib/tracing.ts startTracing): the traced worker (bundle, activity and sink) and client, as worker/main.ts and server/main.ts make them. */
  tracing?: Tracing;
}

export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  if (!sdkMetricsAddress) {
    sdkMetricsAddress = `127.0.0.1:${await freePort()}`;
    const sink = (e: LogEntry) => console.error(`[temporal sdk ${e.level}] ${e.message}`);
    Runtime.install({ logger: new DefaultLogger('WARN', countingOverDeadline(sink, () => overDeadline++)), telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsAddress } }, logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } } });
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-test-'));
  const services = await startEmbeddedServices({
    dataDir,
    headless: !opts.temporalUi,
    temporalDynamicConfig: opts.temporalDynamicConfig,
    ports: { temporal: await freePort(), temporalUi: await freePort(), mongo: await freePort(), smtp: await freePort() },
  });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const mongo = await new MongoClient(services.mongodbUri).connect();
  const db = mongo.db(`t${Date.now()}`);
  const definitions = loadDefinitions(
    { flowsDir: opts.flowsDir ?? join(ROOT, 'flows'), sourcesDir: opts.sourcesDir ?? join(ROOT, 'sources'), schemasDir: opts.schemasDir ?? join(ROOT, 'schemas') },
    { PAYMENTS_WEBHOOK_SECRET: TEST_SECRET, ...opts.env },
  );
  const faults: TestStack['faults'] = {};
  const mail = createMailer(services.smtpUrl);
  const keys = opts.payloads === false ? undefined : parsePayloadKeys(TEST_PAYLOAD_KEYS);
  const codec = keys && new EncryptionCodec(keys);
  const nativeConnection = await NativeConnection.connect({ address: services.temporalAddress });
  const destinations = opts.destinationsDir ? createDestinationStore(opts.destinationsDir, log) : undefined;
  const worker: Worker | undefined = opts.worker === false ? undefined : await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue: TEST_TASK_QUEUE,
    workflowBundle: (await flowWorkflowBundle(undefined, undefined, opts.tracing !== undefined)).bundle, // cached by content hash: one bundling per change, not per stack
    db,
    mail,
    log,
    mailFrom: 'hookflow-test <test@localhost>',
    httpHostLimits: opts.httpHostLimits,
    egress: parseEgressAllow(opts.egressAllow ?? '127.0.0.1'),
    afterEffect: (e) => faults.afterEffect?.(e),
    ...(destinations && { destinations }),
    ...(keys && { payloads: { keys } }),
    tracing: opts.tracing,
  });
  const workerRun = worker?.run();
  const connection = await Connection.connect({ address: services.temporalAddress });
  const client = new Client({ connection, namespace: 'default', dataConverter: ingressDataConverter(codec), ...(opts.tracing && { interceptors: tracedClientInterceptors() }) }); // as the ingress's
  const realStart = createRunStarter(client, TEST_TASK_QUEUE, log);
  const temporalUiUrl = services.temporalUiUrl ?? 'http://127.0.0.1:8233';
  const ingress = await startIngress({
    db, definitions, log, client,
    // The real start call; a test's fault hook runs before a replay's start.
    temporalStart: async (runs, event, eventLog) => {
      if (runs.some((r) => r.replayOf)) await faults.beforeReplayStart?.();
      await faults.beforeStart?.();
      return realStart(runs, event, eventLog);
    },
    admin: { token: TEST_ADMIN_TOKEN, temporalUiUrl, namespace: 'default', replayConcurrency: opts.replayConcurrency ?? 4, workerOpsUrls: opts.workerOpsUrls },
    payloadKeys: keys,
    destinations,
  });

  return {
    services,
    smtp: services.smtp!,
    client,
    db,
    definitions,
    deliveries: ingress.deliveries,
    relay: ingress.relay,
    ingressUrl: ingress.url,
    adminUrl: ingress.adminUrl,
    admin: ingress.admin,
    temporalUiUrl,
    faults,
    sdkMetricsAddress,
    codec,
    worker,
    destinations,
    async stop() {
      await ingress.stop();
      worker?.shutdown();
      await workerRun;
      await nativeConnection.close();
      await connection.close();
      mail.close();
      await mongo.close();
      await services.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
