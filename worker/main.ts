// The worker process: checks the flow files, connects to Temporal, MongoDB and SMTP, runs until signalled.
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { loadDefinitions } from '../lib/loader/definitions';
import { exitOnStartupError } from '../lib/startup';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { freePort } from '../lib/net';
import { runWorkerProcess } from './run-worker';

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
  await runWorkerProcess({ config, log, ops: { sdkMetricsAddress } });
}

main().catch(exitOnStartupError('worker'));
