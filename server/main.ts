// The ingress process: load definitions, connect lazily to Temporal, listen.
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startDefinitionStore } from '../lib/loader/definition-store';
import { exitOnStartupError } from '../lib/startup';
import { createApp } from './app';
import { createRunStarter } from './start-runs';

async function main() {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, pretty: config.prettyLogs, name: 'ingress' });
  const definitions = startDefinitionStore(config, log); // reloads on file change and SIGHUP
  // Lazy: the ingress starts even while Temporal is down and answers 503 until it is back.
  const connection = Connection.lazy({ address: config.temporalAddress });
  const client = new Client({ connection, namespace: config.temporalNamespace });
  const app = createApp({ getDefinitions: definitions.current, startRuns: createRunStarter(client, config.taskQueue, log), log });
  const server = app.listen(config.ingressPort, config.ingressHost, () => {
    log.info({ url: `http://${config.ingressHost}:${config.ingressPort}`, flows: definitions.current().flows.map((f) => f.name) }, 'ingress listening');
  });
  const stop = () => {
    log.info('ingress stopping');
    server.close(() => { void connection.close().finally(() => process.exit(0)); });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch(exitOnStartupError('ingress'));
