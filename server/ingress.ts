// The one composition root of the ingress: its two Koa apps, the delivery store, the relay, run
// starting, schedule sync, the admin API and the console, built from settings and dependencies.
// It reads no environment, opens no socket and handles no signal: server/main.ts and the test
// stacks both call it, and tests change settings, not wiring.
import type Koa from 'koa';
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import type { Config } from '../lib/config';
import type { PayloadKeys } from '../lib/payload-codec';
import { errorText } from '../lib/errors';
import { standardChecks } from '../lib/health';
import { type IngressMetrics, createIngressMetrics } from '../lib/metrics';
import type { Definitions } from '../definitions/definitions';
import type { DestinationDefinition } from '../engine/outbound';
import type { ReloadReport } from '../definitions/definition-store';
import { type AdminApi, type AdminSettings, codecOrigins, createAdminApi, createAdminApp, createCodecRouter } from './admin';
import { createConsoleRouter, createSessions, mongoRevocations, sessionCheck } from './console';
import { type DeliverySettings, DeliveryStore, type Relay, type RelayOptions, createStartRecorded, startRelay } from './deliveries';
import type { IngressOps } from './http';
import { type ScheduleSyncLoop, startScheduleSync } from './schedules';
import { type IngressStarter, type IngressStarterSettings, type RunStarter, createIngressStarter } from './starts';
import { type AdmissionOptions, createApp } from './webhooks';

export interface IngressSettings extends IngressStarterSettings {
  deliveries: DeliverySettings;
  relay: Pick<RelayOptions, 'pollMs' | 'purgeEveryMs' | 'giveUpAfterMs' | 'clock'>;
  /** Webhook requests worked on at once; unbounded when unset (server/webhooks/admission.ts). */
  admission?: AdmissionOptions;
  /** The admin API and console; their token unset, both answer "disabled". */
  admin: AdminSettings;
  /** How long a client may take to send a webhook's body (ms), HOOKFLOW_BODY_DEADLINE_MS. */
  bodyDeadlineMs?: number;
  /** Keep Temporal Schedules in step with scheduled flows (every replica does; off where a test wants no schedules). */
  syncSchedules: boolean;
  /** How long /metrics reuses the backlog count (ms). */
  backlogCacheMs?: number;
  /**
   * HOOKFLOW_PAYLOAD_KEYS, which the client's codec encrypts with: the codec endpoint (/codec)
   * decodes with them, and schedules written with another key are rewritten.
   */
  payloadKeys?: PayloadKeys;
}

/** The ingress settings a process reads from its configuration. */
export function ingressSettings(config: Config): IngressSettings {
  return {
    taskQueue: config.taskQueue,
    startDeadlineMs: config.startDeadlineMs,
    deliveries: {
      dedupeWindowSeconds: config.dedupeWindowSeconds,
      keepBodyBytes: config.deliveryBodyBytes,
      leaseMs: Math.max(30_000, config.startDeadlineMs * 4),
      maxBackoffMs: 60_000,
      retentionSeconds: config.retentionDays * 24 * 3600,
    },
    relay: { pollMs: config.relayPollMs, purgeEveryMs: config.purgeEveryMs, giveUpAfterMs: config.relayGiveUpHours * 3_600_000 },
    admission: { maxInFlight: config.maxInFlight, targetMs: config.admissionTargetMs, maxPerAddress: config.maxInFlightPerAddress },
    bodyDeadlineMs: config.bodyDeadlineMs,
    admin: { token: config.adminToken, metricsToken: config.metricsToken, allowedHosts: config.adminAllowedHosts, trustedProxies: config.adminTrustedProxies, temporalUiUrl: config.temporalUiUrl, namespace: config.temporalNamespace, replayConcurrency: config.replayConcurrency, issueRetentionSeconds: config.retentionDays * 24 * 3600, workerOpsUrls: config.workerOpsUrls, traceUiUrl: config.traceUiUrl },
    payloadKeys: config.payloadKeys,
    syncSchedules: true,
  };
}

export interface IngressDeps {
  client: Client;
  db: Db;
  /** The definitions in force (read per request) and, from a definition store, its reload events. */
  definitions: { current(): Definitions; lastReload?(): ReloadReport | undefined; onApplied?(listener: () => void): void };
  log: Logger;
  /** Outbound webhook destinations (destinations/*.yaml) the admin API operates; none when omitted. */
  destinations?: { current(): readonly DestinationDefinition[] };
  /** The Temporal start call; a test that runs no Temporal gives its own (the chain around it stays). */
  temporalStart?: RunStarter;
}

export interface Ingress {
  /** The public listener: /webhooks/* and /healthz. */
  app: Koa;
  /** The admin listener: console, /admin, /metrics, /readyz. */
  adminApp: Koa;
  deliveries: DeliveryStore;
  metrics: IngressMetrics;
  starter: IngressStarter;
  admin: AdminApi;
  /** Running once start() resolved. */
  relay(): Relay;
  /** Indexes, then the relay and schedule sync; the apps answer before and after. */
  start(): Promise<void>;
  /** Stops background work in reverse order and writes what lingers; the listeners are the caller's. */
  stop(): Promise<void>;
}

export function createIngress(settings: IngressSettings, deps: IngressDeps): Ingress {
  const { client, db, definitions, log } = deps;
  const deliveries = new DeliveryStore(db, settings.deliveries, log);
  const metrics = createIngressMetrics({ backlog: () => deliveries.countPending(), oldestPending: () => deliveries.oldestPendingAt(), backlogCacheMs: settings.backlogCacheMs });
  // Every record marked failed, by a request or by any relay of this process, is counted once.
  deliveries.onFailed((source, reason) => metrics.startFailures.inc({ source, reason }));
  const ops: IngressOps = { metrics, checks: standardChecks({ temporal: client.connection, mongo: db }) };
  let relay: Relay | undefined;
  let schedules: ScheduleSyncLoop | undefined;
  const starter = createIngressStarter(settings, { client, log, metrics, deliveries, temporalStart: deps.temporalStart, onTemporalBack: () => relay?.wake() });
  const flows = () => definitions.current().flows;
  const offFlows = () => { const d = definitions.current(); return [...(d.disabled ?? []).flatMap((s) => s.flows), ...(d.disabledFlows ?? []).map((f) => f.name)]; };
  const admin = createAdminApi({ db, deliveries: deliveries.collection, rejections: deliveries.rejections, client, flows, offFlows, startRuns: starter.start, log, settings: settings.admin, destinations: deps.destinations && (() => deps.destinations!.current()), taskQueue: settings.taskQueue });
  const app = createApp({ getDefinitions: definitions.current, startRuns: starter.start, deliveries, log, ops, admission: settings.admission, bodyDeadlineMs: settings.bodyDeadlineMs });
  const sessions = settings.admin.token ? createSessions(settings.admin.token, mongoRevocations(db, log)) : undefined;
  const consoleRouter = createConsoleRouter({ sessions, trustedProxies: settings.admin.trustedProxies, admin: admin.ctx, bulk: admin.bulk, definitions: definitions.current, lastReload: definitions.lastReload, checks: ops.checks, issues: admin.issues, outbound: admin.outbound,
    workers: { client, namespace: settings.admin.namespace, taskQueue: settings.taskQueue, opsUrls: settings.admin.workerOpsUrls ?? [] },
    ...(settings.admin.traceUiUrl && { traceUrl: (id: string) => `${settings.admin.traceUiUrl!.replace(/\/$/, '')}/trace/${encodeURIComponent(id)}` }) });
  const codec = createCodecRouter({ keys: settings.payloadKeys, temporalUiUrl: settings.admin.temporalUiUrl });
  const access = { ...settings.admin, codecOrigins: codecOrigins(settings.admin.temporalUiUrl) };
  const adminApp = createAdminApp({ log, ops, access, admin: admin.router, console: sessions && { router: consoleRouter, session: sessionCheck(sessions) }, codec });

  return {
    app, adminApp, deliveries, metrics, starter, admin,
    relay: () => relay!,
    async start() {
      await deliveries.ensureIndexes().catch((err) => log.warn({ err: errorText(err) }, 'delivery store unreachable at start-up; requests get 503 until it is back'));
      if (deps.destinations) await admin.outbound.ensureIndexes().catch((err) => log.warn({ err: errorText(err) }, 'outbound indexes not created at start-up; the next start creates them'));
      relay = startRelay({ store: deliveries, startRecorded: createStartRecorded(definitions.current, starter.start), log, ...settings.relay });
      if (settings.syncSchedules) {
        // Scheduled flows become Temporal Schedules; every replica syncs (server/schedules/sync.ts).
        schedules = startScheduleSync({ client, taskQueue: settings.taskQueue, log, flows, payloadKeyId: settings.payloadKeys?.active });
        definitions.onApplied?.(() => void schedules?.request('definitions reloaded'));
      }
    },
    async stop() {
      // A schedule sync waiting on an unreachable Temporal is cut short: the schedules stay as
      // they are and the next start syncs them again.
      const syncStopped = schedules && Promise.race([schedules.stop(), new Promise((r) => setTimeout(r, 3000).unref())]);
      starter.breaker.stop();
      await admin.bulk.idle();
      await Promise.all([relay?.stop().then(() => deliveries.flush()), syncStopped, deliveries.rejections.flush()]);
    },
  };
}
