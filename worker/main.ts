// The worker process: checks the flow files, connects to Temporal, MongoDB and SMTP, runs until signalled.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { loadDefinitions } from '../lib/loader/definitions';
import { createMailer } from '../activities/mailer';
import { createWorker } from './create-worker';
import { exitOnStartupError } from '../lib/startup';
import { standardChecks } from '../lib/health';
import { freePort } from '../lib/net';
import { startOpsServer } from './ops-server';

async function main() {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, pretty: config.prettyLogs, name: 'worker' });
  // The SDK's own log (bundler output, worker state) only from warnings up, unless debugging.
  // The SDK's metrics go to a loopback exporter that the ops server re-serves with its own.
  const sdkMetricsAddress = `127.0.0.1:${await freePort()}`;
  Runtime.install({
    logger: new DefaultLogger(config.logLevel === 'debug' || config.logLevel === 'trace' ? 'DEBUG' : 'WARN'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsAddress } } },
  });
  // The worker executes whatever definition a run carries, but refusing to start with broken
  // flow files surfaces the mistake where ops look first.
  loadDefinitions(config);
  const mongo = await new MongoClient(config.mongodbUri, { serverSelectionTimeoutMS: 10_000 }).connect();
  const mail = createMailer(config.smtpUrl);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    db: mongo.db(config.mongodbDb),
    mail,
    log,
    mailFrom: config.mailFrom,
  });
  const db = mongo.db(config.mongodbDb);
  const ops = await startOpsServer({
    port: config.workerOpsPort,
    host: config.ingressHost,
    checks: standardChecks({ temporal: connection, mongo: db }),
    sdkMetricsAddress,
  });
  log.info({ taskQueue: config.taskQueue, temporal: config.temporalAddress, ops: `http://${config.ingressHost}:${config.workerOpsPort}` }, 'worker running');
  await worker.run(); // resolves after SIGINT/SIGTERM, once in-flight tasks are done
  ops.close();
  await connection.close();
  await mongo.close();
  mail.close();
  log.info('worker stopped');
}

main().catch(exitOnStartupError('worker'));
