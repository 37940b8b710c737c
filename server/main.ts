// The ingress process: read the configuration, connect to MongoDB (the delivery store) and lazily
// to Temporal, build the ingress (server/ingress.ts), listen on both listeners, drain on a signal.
import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../lib/config';
import { EncryptionCodec } from '../lib/payload-codec';
import { createLogger } from '../lib/logger';
import { startDefinitionStore } from '../definitions/definition-store';
import { exitOnStartupError } from '../lib/startup';
import { stopWhenLauncherGoes } from '../lib/launcher-watch';
import { listenError } from '../lib/port-holder';
import { warnMissingHeapFlags } from '../lib/heap-flags';
import { listen } from './http';
import { ingressDataConverter } from './starts';
import { createIngress, ingressSettings } from './ingress';
import { startTracing } from '../lib/tracing';
import { tracedClientInterceptors } from './starts';

async function main() {
  const config = loadConfig();
  // Under npm start (an IPC channel to the launcher) lines go out as they come: a launcher killed
  // with -9 leaves a pipe nobody reads, and lines still buffered would make the exit flush spin.
  const log = createLogger({ level: config.logLevel, pretty: config.prettyLogs, name: 'ingress', async: !process.send });
  warnMissingHeapFlags(log);
  const tracing = config.tracing ? startTracing('hookflow-ingress') : undefined;
  const definitions = startDefinitionStore(config, log); // reloads on file change and SIGHUP
  // Lazy: the ingress starts even while Temporal is down; accepted events wait for the relay.
  const connection = Connection.lazy({ ...config.temporal, channelArgs: { 'grpc.max_reconnect_backoff_ms': 5000 } });
  // The default converter's bytes, made with less work per start (server/starts/temporal-payloads.ts),
  // then encrypted: what reaches Temporal is ciphertext, and the worker runs only what a key wrote.
  const codec = config.payloadKeys && new EncryptionCodec(config.payloadKeys);
  if (!codec) log.warn('HOOKFLOW_PAYLOAD_KEYS is not set: event bodies and steps are plaintext in Temporal (docs/security.md)');
  const client = new Client({ connection, namespace: config.temporalNamespace, dataConverter: ingressDataConverter(codec), ...(tracing && { interceptors: tracedClientInterceptors() }) });
  // Short server selection: while MongoDB is down a request gets 503 quickly, not after 30 s.
  const mongo = new MongoClient(config.mongodbUri, { serverSelectionTimeoutMS: 5000 });
  const ingress = createIngress(ingressSettings(config), { client, db: mongo.db(config.mongodbDb), definitions, log });
  if (!config.adminToken) log.info('admin API and console disabled: set HOOKFLOW_ADMIN_TOKEN to enable /admin and /console');
  await ingress.start();
  // A taken port names the process that holds it (no stack trace). Both listeners serve HTTPS when TLS is set.
  const { server, url } = await listen(ingress.app.callback(), { port: config.ingressPort, host: config.ingressHost, tls: config.ingressTls, log })
    .catch((err: Error) => { throw listenError(err, config.ingressPort, 'PORT'); });
  const adminListener = await listen(ingress.adminApp.callback(), { port: config.adminPort, host: config.adminHost, tls: config.ingressTls, log })
    .catch((err: Error) => { server.close(); throw listenError(err, config.adminPort, 'ADMIN_PORT'); });
  log.info({ url, admin: adminListener.url, flows: definitions.current().flows.map((f) => f.name) }, 'ingress listening');
  // Graceful drain: stop accepting, let in-flight requests answer, stop the background work, close
  // the connections, exit 0. A second signal (the process group and the launcher both send one)
  // changes nothing; a drain that hangs ends after 10 s with exit code 1.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    adminListener.server.close();
    server.close(() => {
      void ingress.stop().then(() => Promise.all([connection.close(), mongo.close(), tracing?.shutdown()])).finally(() => {
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
