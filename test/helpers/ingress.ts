// The ingress as a test runs it: built by the same composition root as production
// (server/ingress.ts), its two apps on real loopback sockets. A test changes settings, and may
// replace only the Temporal start call itself (a recording one where no Temporal runs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { type RequestListener, type Server, createServer } from 'node:http';
import { MongoClient, type Db } from 'mongodb';
import type { Logger } from 'pino';
import { Client, Connection } from '@temporalio/client';
import { startEmbeddedServices, type EmbeddedServices } from '../../devstack/services';
import { freePort } from '../../lib/net';
import { type Definitions, loadDefinitions } from '../../definitions/definitions';
import type { DeliverySettings, DeliveryStore, Relay, RelayOptions } from '../../server/deliveries';
import type { RunStarter } from '../../server/starts';
import type { AdminApi, AdminSettings } from '../../server/admin';
import type { AdmissionOptions } from '../../server/webhooks';
import { type Ingress, type IngressDeps, type IngressSettings, createIngress } from '../../server/ingress';
import { ROOT } from './paths';

/** The task queue of every test worker. */
export const TEST_TASK_QUEUE = 'hookflow-test';

/** The payments source's secret in every test. */
export const TEST_SECRET = 'test-webhook-secret';

/**
 * Tests look up the record of each rejection they cause, so every rejection is a sample here; the
 * production bound (a few per source, reason and minute) is tested in rejection-flood.test.ts.
 */
export const TEST_DELIVERY_SETTINGS: DeliverySettings = { dedupeWindowSeconds: 3600, keepBodyBytes: 1024, leaseMs: 10_000, maxBackoffMs: 2000, rejections: { samplesPerMinute: 100_000 } };

export interface TestIngress {
  /** The public listener: /webhooks/* and /healthz. */
  url: string;
  /** The admin listener: the console, /admin, /metrics and /readyz. */
  adminUrl: string;
  deliveries: DeliveryStore;
  relay: Relay;
  admin: AdminApi;
  ingress: Ingress;
  stop(): Promise<void>;
}

/** The admin API's bearer token in tests. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export async function startIngress(opts: {
  db: Db;
  definitions: Definitions;
  log: Logger;
  /** The Temporal client (and /readyz's Temporal check); without one, a client of an address where nothing listens. */
  client?: Client;
  /** The Temporal start call; the real one through `client` when unset. */
  temporalStart?: RunStarter;
  taskQueue?: string;
  startDeadlineMs?: number;
  breaker?: IngressSettings['breaker'];
  settings?: Partial<DeliverySettings>;
  /** The admin API's settings; its token unset, the admin API and console are off. */
  admin?: AdminSettings;
  /** Relay settings (e.g. giveUpAfterMs). */
  relay?: Partial<Pick<RelayOptions, 'giveUpAfterMs' | 'pollMs' | 'clock'>>;
  /** Admission control: webhook requests in progress at once (unbounded when unset). */
  maxInFlight?: number;
  /** The rest of admission control's settings (target, floor, clock), with maxInFlight. */
  admission?: Omit<AdmissionOptions, 'maxInFlight'>;
  syncSchedules?: boolean;
  /** How long a client may take to send a body (ms). */
  bodyDeadlineMs?: number;
  /** The keys `client` encrypts with (the codec endpoint decodes with them). */
  payloadKeys?: IngressSettings['payloadKeys'];
  /** Outbound webhook destinations the admin API operates. */
  destinations?: IngressDeps['destinations'];
}): Promise<TestIngress> {
  const client = opts.client ?? new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
  const ingress = createIngress({
    taskQueue: opts.taskQueue ?? TEST_TASK_QUEUE,
    startDeadlineMs: opts.startDeadlineMs ?? 5000,
    breaker: opts.breaker,
    deliveries: { ...TEST_DELIVERY_SETTINGS, ...opts.settings },
    relay: { pollMs: 200, ...opts.relay },
    admission: opts.maxInFlight ? { ...opts.admission, maxInFlight: opts.maxInFlight } : undefined,
    admin: opts.admin ?? { temporalUiUrl: 'http://127.0.0.1:1', namespace: 'default', replayConcurrency: 1 },
    syncSchedules: opts.syncSchedules ?? false,
    bodyDeadlineMs: opts.bodyDeadlineMs,
    backlogCacheMs: 0,
    payloadKeys: opts.payloadKeys,
  }, { client, db: opts.db, definitions: { current: () => opts.definitions }, log: opts.log, temporalStart: opts.temporalStart, destinations: opts.destinations });
  await ingress.start();
  const server = await listenOnLoopback(ingress.app.callback());
  const adminServer = await listenOnLoopback(ingress.adminApp.callback());
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    adminUrl: `http://127.0.0.1:${(adminServer.address() as AddressInfo).port}`,
    deliveries: ingress.deliveries,
    relay: ingress.relay(),
    admin: ingress.admin,
    ingress,
    async stop() {
      await Promise.all([server, adminServer].map((s) => new Promise((r) => s.close(r))));
      await ingress.stop();
      if (!opts.client) await client.connection.close().catch(() => undefined);
    },
  };
}

function listenOnLoopback(handler: RequestListener): Promise<Server> {
  return new Promise((res) => { const s = createServer(handler).listen(0, '127.0.0.1', () => res(s)); });
}

/** A run starter that starts nothing and remembers what it was asked to start. */
export function recordingStarter(): RunStarter & { calls: { eventId: string; workflowIds: string[] }[] } {
  const calls: { eventId: string; workflowIds: string[] }[] = [];
  const starter: RunStarter = async (runs, event) => {
    calls.push({ eventId: event.id, workflowIds: runs.map((r) => r.workflowId) });
    return runs.map((r) => ({ flow: r.flow.name, workflowId: r.workflowId, runId: 'recorded', duplicate: false }));
  };
  return Object.assign(starter, { calls });
}

/** The shipped flows, sources and schemas, with the test secret. */
export function shippedDefinitions(): Definitions {
  return loadDefinitions(
    { flowsDir: join(ROOT, 'flows'), sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') },
    { PAYMENTS_WEBHOOK_SECRET: TEST_SECRET },
  );
}

export interface StoreStack {
  services: EmbeddedServices;
  /** Where no Temporal runs (yet): a free port. */
  temporalAddress: string;
  dataDir: string;
  db: Db;
  stop(): Promise<void>;
}

/** FerretDB (and SMTP when asked) without Temporal, for tests of the ingress's own durability. */
export async function startStoreStack(opts: { smtp?: boolean } = {}): Promise<StoreStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-store-'));
  const temporalAddress = `127.0.0.1:${await freePort()}`;
  const services = await startEmbeddedServices({
    dataDir, headless: true, external: { temporalAddress, smtpUrl: opts.smtp ? undefined : 'smtp://127.0.0.1:1' },
    ports: { temporal: 0, temporalUi: 0, mongo: await freePort(), smtp: opts.smtp ? await freePort() : 0 },
  });
  const mongo = await new MongoClient(services.mongodbUri).connect();
  return {
    services, temporalAddress, dataDir, db: mongo.db(`s${Date.now()}`),
    async stop() {
      await mongo.close();
      await services.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
