// The ingress process: load definitions, connect to MongoDB (the delivery store) and lazily to
// Temporal, run the relay, listen.
import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startDefinitionStore } from '../definitions/definition-store';
import { exitOnStartupError } from '../lib/startup';
import { DeliveryStore, errorText } from './deliveries/store';
import { startRelay } from './deliveries/relay';
import { createApp } from './app';
import { listen } from './listen';
import { createAdminApi } from './admin';
import { createStartRecorded } from './relay-start';
import { createRunStarter } from './start-runs';
import { createIngressOps } from './ops-wiring';
import { startScheduleSync } from './schedule-sync';

async function main() {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, pretty: config.prettyLogs, name: 'ingress' });
  const definitions = startDefinitionStore(config, log); // reloads on file change and SIGHUP
  // Lazy: the ingress starts even while Temporal is down; accepted events wait for the relay.
  const connection = Connection.lazy({ ...config.temporal, channelArgs: { 'grpc.max_reconnect_backoff_ms': 5000 } });
  const client = new Client({ connection, namespace: config.temporalNamespace });
  // Short server selection: while MongoDB is down a request gets 503 quickly, not after 30 s.
  const mongo = new MongoClient(config.mongodbUri, { serverSelectionTimeoutMS: 5000 });
  const deliveries = new DeliveryStore(mongo.db(config.mongodbDb), {
    dedupeWindowSeconds: config.dedupeWindowSeconds,
    keepBodyBytes: config.deliveryBodyBytes,
    leaseMs: Math.max(30_000, config.startDeadlineMs * 4),
    maxBackoffMs: 60_000,
    retentionSeconds: config.retentionDays * 24 * 3600,
  });
  await deliveries.ensureIndexes().catch((err) => log.warn({ err: errorText(err) }, 'delivery store unreachable at start-up; requests get 503 until it is back'));
  const ops = createIngressOps({ temporal: connection, db: mongo.db(config.mongodbDb), deliveries });
  const startRuns = ops.measure(createRunStarter(client, config.taskQueue, log, config.startDeadlineMs));
  const relay = startRelay({ store: deliveries, startRecorded: createStartRecorded(definitions.current, startRuns), log, pollMs: config.relayPollMs, purgeEveryMs: config.purgeEveryMs });
  // Scheduled flows become Temporal Schedules; every replica syncs (see server/schedule-sync.ts).
  const schedules = startScheduleSync({ client, taskQueue: config.taskQueue, log, flows: () => definitions.current().flows });
  definitions.onApplied(() => void schedules.request('flows reloaded'));
  const admin = createAdminApi({
    db: mongo.db(config.mongodbDb), deliveries: deliveries.collection, client, flows: () => definitions.current().flows, startRuns, log,
    settings: { token: config.adminToken, temporalUiUrl: config.temporalUiUrl, namespace: config.temporalNamespace, replayConcurrency: config.replayConcurrency },
  });
  if (!config.adminToken) log.info('admin API disabled: set HOOKFLOW_ADMIN_TOKEN to enable /admin');
  const app = createApp({ getDefinitions: definitions.current, startRuns, deliveries, log, ops, admin: admin.router });
  const { server, url } = await listen(app.callback(), { port: config.ingressPort, host: config.ingressHost, tls: config.ingressTls, log });
  log.info({ url, flows: definitions.current().flows.map((f) => f.name) }, 'ingress listening');
  const stop = () => {
    log.info('ingress stopping');
    server.close(() => {
      void Promise.all([relay.stop(), schedules.stop()]).then(() => Promise.all([connection.close(), mongo.close()])).finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch(exitOnStartupError('ingress'));
