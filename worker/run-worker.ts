// One worker process's life: connect to Temporal, MongoDB and SMTP, run until SIGINT/SIGTERM,
// then close everything. worker/main.ts runs the flow interpreter with it; the benchmark's
// baseline worker runs its hand-written workflow with the very same setup.
import { NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import type { Config } from '../lib/config';
import type { Logger } from 'pino';
import { createMailer } from '../activities/mailer';
import { createWorker } from './create-worker';
import { standardChecks } from '../lib/health';
import { startOpsServer } from './ops-server';
import { startEffectPurge } from './effect-purge';
import { createWorkerMetrics, type WorkerMetrics } from '../lib/metrics';
import { flowWorkflowBundle } from './workflow-bundle';
import { createDestinationStore } from '../definitions/destination-store';
import type { Tracing } from '../lib/tracing';
import { destinationStatesReader } from '../activities/destination-states';

export interface WorkerProcessOptions {
  config: Readonly<Config>;
  log: Logger;
  /** Pre-bundled workflow code; the flow interpreter when omitted. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Serve /healthz, /readyz and /metrics on config.workerOpsPort (the SDK exporter's address, if any). */
  ops?: { sdkMetricsAddress?: string };
  /** The worker's own metrics, when the caller feeds some of them (the SDK logger counts tasks over deadline). */
  metrics?: WorkerMetrics;
  /** Tracing on (lib/tracing.ts): the traced bundle, spans for runs, steps and their effects. */
  tracing?: Tracing;
}

export async function runWorkerProcess({ config, log, workflowBundle, ops, metrics = createWorkerMetrics(), tracing }: WorkerProcessOptions): Promise<void> {
  // Checked before connecting: a broken destination file stops start-up with every problem listed.
  const destinations = createDestinationStore(config.destinationsDir, log);
  const stopWatching = destinations.watch();
  const mongo = await new MongoClient(config.mongodbUri, { serverSelectionTimeoutMS: 10_000 }).connect();
  const mail = createMailer(config.smtpUrl);
  const connection = await NativeConnection.connect(config.temporal);
  const bundle = workflowBundle ?? (await interpreterBundle(config.workflowBundleCache, log, tracing !== undefined));
  const worker = await createWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowBundle: bundle,
    db: mongo.db(config.mongodbDb),
    mail,
    log,
    mailFrom: config.mailFrom,
    maxConcurrentWorkflowTasks: config.workerWorkflowTasks,
    maxConcurrentLocalActivities: config.workerLocalActivities,
    maxConcurrentActivities: config.workerActivities,
    httpHostLimits: config.httpHostLimits,
    egress: config.egressAllow,
    destinations,
    outboundMetrics: metrics.outbound,
    shutdownGraceTime: '5s', // SIGTERM: short activities finish; longer ones are handed back to Temporal
    metrics,
    tracing,
    ...(config.payloadKeys && { payloads: { keys: config.payloadKeys, acceptPlaintext: config.acceptPlaintextRuns } }),
  });
  if (!config.payloadKeys) log.warn('HOOKFLOW_PAYLOAD_KEYS is not set: payloads in Temporal are plaintext and this worker runs any run started on its task queue (docs/security.md)');
  else if (config.acceptPlaintextRuns) log.warn('HOOKFLOW_ACCEPT_PLAINTEXT_RUNS=1: this worker also runs plaintext runs; unset it once the runs started before encryption have closed (docs/operations.md)');
  metrics.watchWorker(() => worker.getState());
  // The destinations' states on /metrics are read from the store at each scrape: true on every worker.
  metrics.outbound.watchStates(destinationStatesReader(mongo.db(config.mongodbDb), () => destinations.current().map((d) => d.name)));
  const stopPurge = startEffectPurge({ db: mongo.db(config.mongodbDb), log, retentionDays: config.retentionDays, everyMs: config.purgeEveryMs });
  const opsServer = ops
    ? await startOpsServer({
        port: config.workerOpsPort,
        host: config.ingressHost,
        checks: standardChecks({ temporal: connection, mongo: mongo.db(config.mongodbDb) }),
        sdkMetricsAddress: ops.sdkMetricsAddress,
        registry: metrics.registry,
        log,
      })
    : undefined;
  log.info({ taskQueue: config.taskQueue, temporal: config.temporalAddress, ops: ops ? `http://${config.ingressHost}:${config.workerOpsPort}` : undefined }, 'worker running');
  await worker.run(); // resolves after SIGINT/SIGTERM, once in-flight tasks are done
  stopPurge();
  stopWatching();
  opsServer?.close();
  await connection.close();
  await mongo.close();
  mail.close();
  log.info('worker stopped');
}

async function interpreterBundle(cacheDir: string, log: Logger, traced: boolean): Promise<NonNullable<WorkerOptions['workflowBundle']>> {
  const started = Date.now();
  const { bundle, key, from } = await flowWorkflowBundle(cacheDir, (err) => log.warn({ err: err.message }, 'workflow bundle not cached: the next start bundles again'), traced);
  log.info({ key, from, traced, ms: Date.now() - started }, 'workflow bundle ready');
  return bundle;
}
