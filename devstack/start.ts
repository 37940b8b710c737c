// `npm start`: the whole embedded stack and the engine, in one terminal. Ctrl-C stops it all.
import { resolve, join } from 'node:path';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../lib/config';
import { type Definitions, loadDefinitions } from '../definitions/definitions';
import { exitOnStartupError } from '../lib/startup';
import { portInUseError } from '../lib/port-holder';
import { seedDemoData } from './demo-data';
import { scheduleLines } from './schedule-banner';
import { type ManagedProcess, portAnswers, startProcess, waitUntil } from './process';
import { HEAP_FLAGS } from '../lib/heap-flags';
import { startEmbeddedServices, type ServicePorts } from './services';
import { withoutTemporalSecurity } from '../lib/temporal-connection';
import { DEV_ADMIN_TOKEN, DEV_WEBHOOK_SECRET, PAYMENTS_SANDBOX, STACK_PORTS } from '../lib/dev-defaults';
import { applyDevDefaults } from '../lib/dev-env';
import { startSandboxIfWanted } from './sandbox-setup';
import { DEV_PAYLOAD_KEYS_FILE, devPayloadKeys } from './payload-keys';
import { startTraceBackendIfWanted } from './trace-backend';

const ROOT = resolve(__dirname, '..');
/** The development webhook secret and admin token (`npm start`); production refuses both (lib/config.ts). */
export { DEV_ADMIN_TOKEN, DEV_WEBHOOK_SECRET };

function port(name: keyof typeof STACK_PORTS): number {
  const raw = process.env[name];
  const n = raw ? Number(raw) : STACK_PORTS[name];
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

async function ensureFree(ports: Record<string, number>): Promise<void> {
  for (const [envName, p] of Object.entries(ports)) {
    if (await portAnswers(p)) throw portInUseError(p, envName);
  }
}

/** "launcher 10 (SMTP catcher inside), ferretdb 11, temporal 12, worker 13, ingress 14". */
function pidLine(children: ManagedProcess[]): string {
  return [`launcher ${process.pid} (SMTP catcher inside)`, ...children.map((c) => `${c.name} ${c.child.pid}`)].join(', ');
}

/** Stops whatever has been started so far; a failed start must not leave servers behind. */
let stopAll = async (): Promise<void> => undefined;

async function main() {
  const env = { ...process.env };
  applyDevDefaults(env); // the webhook secret and admin token, as the CLI fills them (lib/dev-env.ts)
  const dataDir = resolve(env.HOOKFLOW_DATA_DIR || join(ROOT, '.data'));
  const ownPayloadKeys = !!env.HOOKFLOW_PAYLOAD_KEYS;
  env.HOOKFLOW_PAYLOAD_KEYS ||= devPayloadKeys(dataDir);
  const config = loadConfig(env);
  const definitions = loadDefinitions(config, env); // broken flow files stop us here, before anything starts

  const ports: ServicePorts = {
    temporal: port('HOOKFLOW_TEMPORAL_PORT'),
    temporalUi: port('HOOKFLOW_TEMPORAL_UI_PORT'),
    mongo: port('HOOKFLOW_MONGO_PORT'),
    smtp: port('HOOKFLOW_SMTP_PORT'),
  };
  const external = { temporalAddress: env.TEMPORAL_ADDRESS, mongodbUri: env.MONGODB_URI, smtpUrl: env.SMTP_URL };
  const toCheck: Record<string, number> = { PORT: config.ingressPort, ADMIN_PORT: config.adminPort, WORKER_OPS_PORT: config.workerOpsPort };
  if (!external.temporalAddress) Object.assign(toCheck, { HOOKFLOW_TEMPORAL_PORT: ports.temporal, HOOKFLOW_TEMPORAL_UI_PORT: ports.temporalUi });
  if (!external.mongodbUri) toCheck.HOOKFLOW_MONGO_PORT = ports.mongo;
  if (!external.smtpUrl) toCheck.HOOKFLOW_SMTP_PORT = ports.smtp;
  // The payments sandbox stands in for the provider's API unless PAYMENTS_API_URL names a real one.
  const sandboxPort = env.PAYMENTS_API_URL ? undefined : port(PAYMENTS_SANDBOX.portVariable);
  if (sandboxPort) toCheck[PAYMENTS_SANDBOX.portVariable] = sandboxPort;
  await ensureFree(toCheck);

  console.log(`hookflow: starting the stack (data in ${dataDir})…`);
  // The UI decodes payloads through the admin listener (docs/security.md "Payload encryption and authenticated runs").
  const codecEndpoint = `http://${['0.0.0.0', '::'].includes(config.adminHost) ? '127.0.0.1' : config.adminHost}:${config.adminPort}/codec`;
  const services = await startEmbeddedServices({
    dataDir,
    ports,
    uiCodecEndpoint: codecEndpoint,
    external,
    onMail: (m) => console.log(`[smtp] caught "${m.subject}" for ${m.to.join(', ')} (saved under ${join(dataDir, 'mail')})`),
  });

  const started = await startSandboxIfWanted(env, sandboxPort, services.mongodbUri, config.mongodbDb).catch(async (err) => { await services.stop(); throw err; });
  const { sandbox, ledgerInSandbox } = started;
  // --tracing: Jaeger too (sets OTEL_EXPORTER_OTLP_ENDPOINT for the worker and the ingress).
  const traces = await startTraceBackendIfWanted(env, dataDir).catch(async (err) => { await started.stop(); await services.stop(); throw err; });
  const stopSandbox = async () => { await started.stop(); await traces?.stop(); };
  stopAll = async () => { await stopSandbox(); await services.stop(); };
  if (services.started.includes('ferretdb')) {
    const mongo = await new MongoClient(services.mongodbUri).connect();
    await seedDemoData(mongo.db(config.mongodbDb));
    await mongo.close();
  }

  const childEnv: NodeJS.ProcessEnv = {
    // A dev server started here speaks plaintext; TLS and API key settings are for TEMPORAL_ADDRESS.
    ...(external.temporalAddress ? env : withoutTemporalSecurity(env)),
    TEMPORAL_ADDRESS: services.temporalAddress,
    MONGODB_URI: services.mongodbUri,
    SMTP_URL: services.smtpUrl,
    // Run links of the admin API point at the UI this stack started (its port may be changed).
    TEMPORAL_UI_URL: env.TEMPORAL_UI_URL || services.temporalUiUrl,
    HOOKFLOW_PRETTY_LOGS: env.HOOKFLOW_PRETTY_LOGS ?? (process.stdout.isTTY ? '1' : '0'),
    // The console's Health page reads this stack's worker's stall signals.
    HOOKFLOW_WORKER_OPS_URLS: env.HOOKFLOW_WORKER_OPS_URLS || `http://${config.ingressHost}:${config.workerOpsPort}`,
  };
  const node = (name: string, entry: string) =>
    startProcess({ name, command: process.execPath, args: [...HEAP_FLAGS, '--import', 'tsx', join(ROOT, entry)], env: childEnv, cwd: ROOT, echo: true, parentWatch: 'ipc' });
  const children: ManagedProcess[] = [node('worker', 'worker/main.ts'), node('ingress', 'server/main.ts')];
  stopAll = async () => {
    await Promise.all(children.map((c) => c.stop()));
    await stopSandbox();
    await services.stop();
  };

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nhookflow: stopping…');
    await stopAll();
    console.log('hookflow: stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // Whoever launched us (npm) died without a word (kill -9): the stack goes with it.
  const launchedBy = process.ppid;
  setInterval(() => { if (process.ppid !== launchedBy) void shutdown(0); }, 1000).unref();
  for (const c of children) {
    c.child.once('exit', (code) => {
      if (!stopping) {
        console.error(`hookflow: ${c.name} exited (code ${code}); stopping the stack.`);
        void shutdown(1);
      }
    });
  }
  await waitUntil(children[1], 'the ingress port', () => portAnswers(config.ingressPort), 60_000);

  await waitUntil(children[1], 'the admin port', () => portAnswers(config.adminPort), 60_000);

  const ingress = `http://${config.ingressHost}:${config.ingressPort}`;
  const adminListener = `http://${config.adminHost}:${config.adminPort}`;
  console.log(`
hookflow is running.
  ingress      ${ingress}   (POST ${ingress}/webhooks/<source>, /healthz)
  console      ${adminListener}/console   (admin listener: /admin, /readyz and /metrics too)
  worker ops   http://${config.ingressHost}:${config.workerOpsPort}/readyz and /metrics
  Temporal UI  ${services.temporalUiUrl ?? '(external Temporal: use its own UI)'}
  Temporal     ${services.temporalAddress}
${traces ? `  traces       ${traces.line}\n` : ''}  MongoDB      ${services.mongodbUri}${services.started.includes('ferretdb') ? ' (FerretDB)' : ''}
  SMTP         ${services.smtpUrl}${services.smtp ? ` (caught mail in ${join(dataDir, 'mail')})` : ''}
  payments webhook secret: ${env.PAYMENTS_WEBHOOK_SECRET === DEV_WEBHOOK_SECRET ? `${DEV_WEBHOOK_SECRET} (development default)` : 'from PAYMENTS_WEBHOOK_SECRET'}
  payments API ${sandbox ? `${sandbox.url} (sandbox: unknown payments report succeeded; set one with an event's data.status or hookflow sandbox payment <id> <status>)` : 'from PAYMENTS_API_URL'}
  ledger       ${ledgerInSandbox ? `${env.LEDGER_API_URL} (sandbox: records refunds, checks the token and signature)` : env.LEDGER_API_URL ? 'from LEDGER_API_URL' : 'not set (LEDGER_API_URL): payment-refunded cannot tell the ledger'}
  admin token  ${env.HOOKFLOW_ADMIN_TOKEN === DEV_ADMIN_TOKEN ? `${DEV_ADMIN_TOKEN} (development default)` : 'from HOOKFLOW_ADMIN_TOKEN'}
  payload keys ${ownPayloadKeys ? 'from HOOKFLOW_PAYLOAD_KEYS' : `generated for development in ${join(dataDir, DEV_PAYLOAD_KEYS_FILE)}`}; the UI decodes through ${codecEndpoint} once you sign in to the console (docs/security.md)
${scheduleLines(definitions.flows, env).map((line) => `${line}\n`).join('')}${offLines(definitions)}  pids         ${pidLine([...services.processes, ...children])}
Send a first event: see "Send a first event" in README.md. Ctrl-C (or SIGTERM to this launcher) stops everything;
\`kill -HUP ${children[1].child.pid}\` makes the ingress reload the flow, source and schema files (saving them does too).
`);
}

/** Optional provider sources and flows with unset `requires:` left off: what to set to turn each on. */
function offLines({ disabled = [], disabledFlows = [] }: Definitions): string {
  return [
    ...disabled.map((d) => `source ${d.name} (${d.flows.join(', ') || 'no flows'}): set ${d.missing.join(', ')} to turn it on`),
    ...disabledFlows.map((d) => `flow ${d.name}: set ${d.missing.join(', ')} to turn it on`),
  ].map((line) => `  off          ${line}\n`).join('');
}

main().catch(async (err) => {
  await stopAll().catch(() => undefined);
  exitOnStartupError('hookflow')(err);
});
