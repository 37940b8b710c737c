// The worker process: checks the flow files, connects to Temporal, MongoDB and SMTP, runs until signalled.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { loadDefinitions } from '../lib/loader/definitions';
import { createMailer } from '../activities/mailer';
import { createWorker } from './create-worker';
import { exitOnStartupError } from '../lib/startup';

async function main() {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, pretty: config.prettyLogs, name: 'worker' });
  // The SDK's own log (bundler output, worker state) only from warnings up, unless debugging.
  Runtime.install({ logger: new DefaultLogger(config.logLevel === 'debug' || config.logLevel === 'trace' ? 'DEBUG' : 'WARN') });
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
  log.info({ taskQueue: config.taskQueue, temporal: config.temporalAddress }, 'worker running');
  await worker.run(); // resolves after SIGINT/SIGTERM, once in-flight tasks are done
  await connection.close();
  await mongo.close();
  mail.close();
  log.info('worker stopped');
}

main().catch(exitOnStartupError('worker'));
