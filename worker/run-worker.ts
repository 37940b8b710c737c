// One worker process's life: connect to Temporal, MongoDB and SMTP, run until SIGINT/SIGTERM,
// then close everything. worker/main.ts runs the flow interpreter with it; the benchmark's
// baseline worker runs its hand-written workflow with the very same setup.
import { NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import type { Config } from '../lib/config';
import type { Logger } from 'pino';
import { createMailer } from '../activities/mailer';
import { createWorker } from './create-worker';

export interface WorkerProcessOptions {
  config: Readonly<Config>;
  log: Logger;
  /** Pre-bundled workflow code; the flow interpreter when omitted. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function runWorkerProcess({ config, log, workflowBundle }: WorkerProcessOptions): Promise<void> {
  const mongo = await new MongoClient(config.mongodbUri, { serverSelectionTimeoutMS: 10_000 }).connect();
  const mail = createMailer(config.smtpUrl);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowBundle,
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
