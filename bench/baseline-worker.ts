// A worker process for the hand-written baseline workflow: the same worker factory, activities,
// MongoDB client and mailer as worker/main.ts, but its own workflow code and task queue.
import { NativeConnection, bundleWorkflowCode } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createMailer } from '../activities/mailer';
import { createWorker } from '../worker/create-worker';

async function main() {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, pretty: false, name: 'baseline-worker' });
  const mongo = await new MongoClient(config.mongodbUri, { serverSelectionTimeoutMS: 10_000 }).connect();
  const mail = createMailer(config.smtpUrl);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('./baseline-workflow') }),
    db: mongo.db(config.mongodbDb),
    mail,
    log,
    mailFrom: config.mailFrom,
  });
  log.info({ taskQueue: config.taskQueue }, 'worker running');
  await worker.run();
  await connection.close();
  await mongo.close();
  mail.close();
}

main().catch((err) => { console.error(err); process.exit(1); });
