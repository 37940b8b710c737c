// The worker process: checks the flow files, connects to Temporal, MongoDB and SMTP, runs until signalled.
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { loadDefinitions } from '../lib/loader/definitions';
import { exitOnStartupError } from '../lib/startup';
import { runWorkerProcess } from './run-worker';

async function main() {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, pretty: config.prettyLogs, name: 'worker' });
  // The worker executes whatever definition a run carries, but refusing to start with broken
  // flow files surfaces the mistake where ops look first.
  loadDefinitions(config);
  await runWorkerProcess({ config, log });
}

main().catch(exitOnStartupError('worker'));
