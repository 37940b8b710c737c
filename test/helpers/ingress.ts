// The ingress as a test runs it: the Koa app on a real loopback socket, its delivery store and
// relay, with whatever run starter the test gives (a real Temporal client or a recording one).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { type RequestListener, type Server, createServer } from 'node:http';
import { MongoClient, type Db } from 'mongodb';
import type { Logger } from 'pino';
import { startEmbeddedServices, type EmbeddedServices } from '../../devstack/services';
import { freePort } from '../../lib/net';
import { type Definitions, loadDefinitions } from '../../definitions/definitions';
import type { DeliverySettings } from '../../server/deliveries/record';
import { DeliveryStore } from '../../server/deliveries/store';
import { type Relay, type RelayOptions, startRelay } from '../../server/deliveries/relay';
import { createApp } from '../../server/app';
import { createAdminApp } from '../../server/admin-app';
import { createConsoleRouter } from '../../server/console';
import { createStartRecorded } from '../../server/relay-start';
import type { RunStarter } from '../../server/planned-runs';
import { createIngressOps, type IngressOpsDeps } from '../../server/ops-wiring';
import type { Client } from '@temporalio/client';
import { type AdminApi, type AdminSettings, createAdminApi } from '../../server/admin';
import { ROOT } from './paths';
import type { AdmissionOptions } from '../../server/admission';

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
  admin?: AdminApi;
  stop(): Promise<void>;
}

/** The admin API's bearer token in tests. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export async function startIngress(opts: {
  db: Db;
  definitions: Definitions;
  startRuns: RunStarter;
  log: Logger;
  settings?: Partial<DeliverySettings>;
  /** Skip index creation (the store may be unreachable on purpose). */
  noIndexes?: boolean;
  /** Offer the admin API; replays start through `startRuns` unless given their own. */
  admin?: { client: Client; settings: AdminSettings; startRuns?: RunStarter };
  /** What /readyz asks for Temporal; without it the Temporal check fails (store-only stacks). */
  temporal?: IngressOpsDeps['temporal'];
  /** Relay settings besides the store, starter and log (e.g. giveUpAfterMs). */
  relay?: Partial<Pick<RelayOptions, 'giveUpAfterMs' | 'pollMs' | 'clock'>>;
  /** Admission control: webhook requests in progress at once (unbounded when unset). */
  maxInFlight?: number;
  /** The rest of admission control's settings (target, floor, clock), with maxInFlight. */
  admission?: Omit<AdmissionOptions, 'maxInFlight'>;
}): Promise<TestIngress> {
  const deliveries = new DeliveryStore(opts.db, { ...TEST_DELIVERY_SETTINGS, ...opts.settings });
  if (!opts.noIndexes) await deliveries.ensureIndexes();
  const ops = createIngressOps({ temporal: opts.temporal ?? NO_TEMPORAL, db: opts.db, deliveries, backlogCacheMs: 0 });
  const startRuns = ops.measure(opts.startRuns);
  const relay = startRelay({ store: deliveries, startRecorded: createStartRecorded(() => opts.definitions, startRuns), log: opts.log, pollMs: 200, ...opts.relay });
  const admin = opts.admin && createAdminApi({
    db: opts.db, deliveries: deliveries.collection, rejections: deliveries.rejections, client: opts.admin.client, flows: () => opts.definitions.flows,
    startRuns: opts.admin.startRuns ?? startRuns, log: opts.log, settings: opts.admin.settings,
  });
  const app = createApp({ getDefinitions: () => opts.definitions, startRuns, deliveries, log: opts.log, ops, admission: opts.maxInFlight ? { ...opts.admission, maxInFlight: opts.maxInFlight } : undefined });
  const consoleRouter = admin && createConsoleRouter({ token: opts.admin!.settings.token, admin: admin.ctx, bulk: admin.bulk, definitions: () => opts.definitions, checks: ops.checks, issues: admin.issues });
  const adminApp = createAdminApp({ log: opts.log, ops, admin: admin?.router, console: consoleRouter });
  const server = await listenOnLoopback(app.callback());
  const adminServer = await listenOnLoopback(adminApp.callback());
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    adminUrl: `http://127.0.0.1:${(adminServer.address() as AddressInfo).port}`,
    deliveries,
    relay,
    admin,
    async stop() {
      await Promise.all([server, adminServer].map((s) => new Promise((r) => s.close(r))));
      await admin?.bulk.idle();
      await relay.stop();
      await deliveries.flush();
      await deliveries.rejections.flush();
    },
  };
}

function listenOnLoopback(handler: RequestListener): Promise<Server> {
  return new Promise((res) => { const s = createServer(handler).listen(0, '127.0.0.1', () => res(s)); });
}

const NO_TEMPORAL: IngressOpsDeps['temporal'] = { workflowService: { getSystemInfo: () => Promise.reject(new Error('this test runs no Temporal')) } };

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
