// `npm run cluster`: the production topology on one machine (devstack/cluster/cluster.ts), in one
// terminal. Ctrl-C or SIGTERM stops every process; so does kill -9 of this launcher (each child
// watches it: node children over IPC, the others through their parent-death signal).
import { join, resolve } from 'node:path';
import { loadConfig } from '../../lib/config';
import { DEV_ADMIN_TOKEN, DEV_WEBHOOK_SECRET, PAYMENTS_SANDBOX } from '../../lib/dev-defaults';
import { portInUseError } from '../../lib/port-holder';
import { exitOnStartupError } from '../../lib/startup';
import { loadDefinitions } from '../../definitions/definitions';
import { portAnswers } from '../process';
import { type Cluster, type ClusterPorts, startCluster } from './cluster';

const ROOT = resolve(__dirname, '../..');

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, max = 65535): number {
  const raw = env[name];
  const n = raw ? Number(raw) : fallback;
  if (!Number.isInteger(n) || n <= 0 || n > max) throw new Error(`${name} must be a whole number from 1 to ${max}, got "${raw}"`);
  return n;
}

let cluster: Cluster | undefined;

async function main() {
  const env = { ...process.env };
  env.PAYMENTS_WEBHOOK_SECRET ||= DEV_WEBHOOK_SECRET;
  env.HOOKFLOW_ADMIN_TOKEN ||= DEV_ADMIN_TOKEN;
  const config = loadConfig(env);
  loadDefinitions(config, env); // broken flow files stop us here, before anything starts
  const ports: ClusterPorts = {
    https: number(env, 'HOOKFLOW_CLUSTER_PORT', 8443),
    temporal: number(env, 'HOOKFLOW_TEMPORAL_PORT', 7233),
    temporalUi: number(env, 'HOOKFLOW_TEMPORAL_UI_PORT', 8233),
    postgres: number(env, 'HOOKFLOW_POSTGRES_PORT', 5433),
    mongo: number(env, 'HOOKFLOW_MONGO_PORT', 27017),
    smtp: number(env, 'HOOKFLOW_SMTP_PORT', 2525),
    sandbox: env.PAYMENTS_API_URL ? undefined : number(env, PAYMENTS_SANDBOX.portVariable, PAYMENTS_SANDBOX.port),
  };
  const names: Record<keyof ClusterPorts, string> = {
    https: 'HOOKFLOW_CLUSTER_PORT', temporal: 'HOOKFLOW_TEMPORAL_PORT', temporalUi: 'HOOKFLOW_TEMPORAL_UI_PORT', postgres: 'HOOKFLOW_POSTGRES_PORT',
    mongo: 'HOOKFLOW_MONGO_PORT', smtp: 'HOOKFLOW_SMTP_PORT', sandbox: PAYMENTS_SANDBOX.portVariable,
  };
  for (const [key, p] of Object.entries(ports)) if (p && (await portAnswers(p))) throw portInUseError(p, names[key as keyof ClusterPorts]);

  const dataDir = resolve(env.HOOKFLOW_CLUSTER_DATA_DIR || join(ROOT, '.data-cluster'));
  console.log(`hookflow cluster: starting (data in ${dataDir}; first start builds the Temporal server, a few minutes)…`);
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nhookflow cluster: stopping…');
    await cluster?.stop();
    console.log('hookflow cluster: stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // Whoever launched us (npm) died without a word (kill -9): the cluster goes with it.
  const launchedBy = process.ppid;
  setInterval(() => { if (process.ppid !== launchedBy) void shutdown(0); }, 1000).unref();

  cluster = await startCluster({
    dataDir, env, ports,
    ingressReplicas: number(env, 'HOOKFLOW_CLUSTER_INGRESS', 3, 9),
    workers: number(env, 'HOOKFLOW_CLUSTER_WORKERS', 3, 9),
    ui: env.HOOKFLOW_CLUSTER_UI !== '0',
    echo: true,
    onMail: (m) => console.log(`[smtp] caught "${m.subject}" for ${m.to.join(', ')} (saved under ${join(dataDir, 'services', 'mail')})`),
  });
  // A replica that dies is the load balancer's business (it stops sending to it), not a reason to stop the rest.
  for (const r of [...cluster.workers, ...cluster.ingresses]) {
    r.process.child.once('exit', (code, signal) => { if (!stopping) console.error(`hookflow cluster: ${r.name} exited (${signal ?? `code ${code}`}); the others carry on.`); });
  }
  const c = cluster;
  const width = Math.max(...c.processes().map((p) => p.name.length));
  console.log(`
hookflow cluster is running.
  webhooks     ${c.url}/webhooks/<source>   (HAProxy, TLS with a self-signed certificate: curl --cacert ${c.haproxy.certFile})
  console      http://127.0.0.1:${c.ingresses[0].adminPort}/console   (admin listener of ${c.ingresses[0].name}; each replica has its own)
  Temporal UI  ${c.uiUrl ?? '(off: HOOKFLOW_CLUSTER_UI=0)'}
  Temporal     ${c.temporal.address}   (frontend; history, matching and worker services behind it)
  PostgreSQL   postgres://${c.postgres.user}@127.0.0.1:${c.postgres.port}/temporal and /temporal_visibility (password in ${join(dataDir, 'postgres', 'password')})
  MongoDB      ${c.services.mongodbUri} (FerretDB)
  SMTP         ${c.services.smtpUrl} (caught mail in ${join(dataDir, 'services', 'mail')})
  payments webhook secret: ${env.PAYMENTS_WEBHOOK_SECRET === DEV_WEBHOOK_SECRET ? `${DEV_WEBHOOK_SECRET} (development default)` : 'from PAYMENTS_WEBHOOK_SECRET'}
  admin token  ${env.HOOKFLOW_ADMIN_TOKEN === DEV_ADMIN_TOKEN ? `${DEV_ADMIN_TOKEN} (development default)` : 'from HOOKFLOW_ADMIN_TOKEN'}
  logs         ${join(dataDir, 'logs')}
  processes:
${c.processes().map((p) => `    ${p.name.padEnd(width)}  pid ${String(p.pid).padEnd(7)} ${p.address}`).join('\n')}
Send a first event: README "Send a first event", to ${c.url}/webhooks/payments with curl --cacert ${c.haproxy.certFile}.
Ctrl-C (or SIGTERM to this launcher, pid ${process.pid}) stops everything.
`);
}

main().catch(async (err) => {
  await cluster?.stop().catch(() => undefined);
  exitOnStartupError('hookflow cluster')(err);
});
