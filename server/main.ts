// The ingress process: load definitions, connect to MongoDB (the delivery store) and lazily to
// Temporal, run the relay, listen.
import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startDefinitionStore } from '../definitions/definition-store';
import { exitOnStartupError } from '../lib/startup';
import { stopWhenLauncherGoes } from '../lib/launcher-watch';
import { listenError } from '../lib/port-holder';
import { DeliveryStore, errorText } from './deliveries/store';
import { startRelay } from './deliveries/relay';
import { createApp } from './app';
import { createAdminApp } from './admin-app';
import { createConsoleRouter } from './console';
import { listen } from './listen';
import { createAdminApi } from './admin';
import { createStartRecorded } from './relay-start';
import { createRunStarter } from './start-runs';
import { createTemporalBreaker } from './temporal-breaker';
import { ingressDataConverter } from './temporal-payloads';
import { createIngressOps } from './ops-wiring';
import { startScheduleSync } from './schedule-sync';
import { warnMissingHeapFlags } from '../lib/heap-flags';

async function main() {
  const config = loadConfig();
  // Under npm start (an IPC channel to the launcher) lines go out as they come: a launcher killed
  // with -9 leaves a pipe nobody reads, and lines still buffered would make the exit flush spin.
  const log = createLogger({ level: config.logLevel, pretty: config.prettyLogs, name: 'ingress', async: !process.send });
  warnMissingHeapFlags(log);
  const definitions = startDefinitionStore(config, log); // reloads on file change and SIGHUP
  // Lazy: the ingress starts even while Temporal is down; accepted events wait for the relay.
  const connection = Connection.lazy({ ...config.temporal, channelArgs: { 'grpc.max_reconnect_backoff_ms': 5000 } });
  // The default converter's bytes, made with less work per start (server/temporal-payloads.ts).
  const client = new Client({ connection, namespace: config.temporalNamespace, dataConverter: ingressDataConverter() });
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
  // Once Temporal is known down, requests stop waiting out the start deadline (server/temporal-breaker.ts).
  const breaker = createTemporalBreaker({ log, probe: () => client.connection.withDeadline(Date.now() + config.startDeadlineMs, () => client.workflowService.getSystemInfo({})), onClose: () => relay.wake() });
  const startRuns = ops.measure(breaker.guard(createRunStarter(client, config.taskQueue, log, config.startDeadlineMs)));
  const relay = startRelay({ store: deliveries, startRecorded: createStartRecorded(definitions.current, startRuns), log, pollMs: config.relayPollMs, purgeEveryMs: config.purgeEveryMs, giveUpAfterMs: config.relayGiveUpHours * 3_600_000 });
  // Scheduled flows become Temporal Schedules; every replica syncs (see server/schedule-sync.ts).
  const schedules = startScheduleSync({ client, taskQueue: config.taskQueue, log, flows: () => definitions.current().flows });
  definitions.onApplied(() => void schedules.request('definitions reloaded'));
  const admin = createAdminApi({
    db: mongo.db(config.mongodbDb), deliveries: deliveries.collection, rejections: deliveries.rejections, client, flows: () => definitions.current().flows, startRuns, log,
    settings: { token: config.adminToken, temporalUiUrl: config.temporalUiUrl, namespace: config.temporalNamespace, replayConcurrency: config.replayConcurrency, issueRetentionSeconds: config.retentionDays * 24 * 3600 },
  });
  if (!config.adminToken) log.info('admin API and console disabled: set HOOKFLOW_ADMIN_TOKEN to enable /admin and /console');
  const app = createApp({ getDefinitions: definitions.current, startRuns, deliveries, log, ops, admission: { maxInFlight: config.maxInFlight, targetMs: config.admissionTargetMs } });
  const consoleRouter = createConsoleRouter({ token: config.adminToken, admin: admin.ctx, bulk: admin.bulk, definitions: definitions.current, lastReload: definitions.lastReload, checks: ops.checks, issues: admin.issues });
  const adminApp = createAdminApp({ log, ops, admin: admin.router, console: consoleRouter });
  // A taken port names the process that holds it (no stack trace). Both listeners serve HTTPS when TLS is set.
  const { server, url } = await listen(app.callback(), { port: config.ingressPort, host: config.ingressHost, tls: config.ingressTls, log })
    .catch((err: Error) => { throw listenError(err, config.ingressPort, 'PORT'); });
  const adminListener = await listen(adminApp.callback(), { port: config.adminPort, host: config.adminHost, tls: config.ingressTls, log })
    .catch((err: Error) => { server.close(); throw listenError(err, config.adminPort, 'ADMIN_PORT'); });
  log.info({ url, admin: adminListener.url, flows: definitions.current().flows.map((f) => f.name) }, 'ingress listening');
  // Graceful drain: stop accepting, let in-flight requests answer, stop the relay and schedule
  // sync, close the connections, exit 0. A second signal (the process group and the launcher
  // both send one) changes nothing; a drain that hangs ends after 10 s with exit code 1.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    adminListener.server.close();
    server.close(() => {
      // A schedule sync waiting on an unreachable Temporal is cut short: the schedules stay as
      // they are and the next start syncs them again.
      const syncStopped = Promise.race([schedules.stop(), new Promise((r) => setTimeout(r, 3000).unref())]);
      breaker.stop();
      void Promise.all([relay.stop().then(() => deliveries.flush()), syncStopped, deliveries.rejections.flush()]).then(() => Promise.all([connection.close(), mongo.close()])).finally(() => {
        log.info('ingress stopped');
        process.exit(0);
      });
    });
    // Said once the listening socket is closed (close() does that at once), so whoever reads it finds the port shut.
    log.info({ signal }, 'ingress stopping: no new connections, in-flight requests finish');
    // Keep-alive connections that finish their last request close too, rather than wait for their timeout.
    setInterval(() => { server.closeIdleConnections(); adminListener.server.closeIdleConnections(); }, 100).unref();
    setTimeout(() => { log.error('ingress drain took over 10 s; exiting'); process.exit(1); }, 10_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  stopWhenLauncherGoes(log);
}

main().catch(exitOnStartupError('ingress'));
