// npm run bench: hookflow against the physical limit, side by side, on one machine and one
// Temporal dev server. Starts its own stack on free ports, runs every case, prints a table and
// writes the figures to .bench/. Settings: see bench/options.ts and docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { startEmbeddedServices } from '../devstack/services';
import { freePort } from '../lib/net';
import { acceptCases, type AcceptResults } from './accept-cases';
import { collectCases } from './collect-cases';
import { controlCases, controlRows, type ControlResults } from './control-cases';
import type { BenchContext } from './context';
import { childPids } from './cpu';
import { clusterScale } from './cluster-scale';
import { ROOT } from './direct-start';
import { e2eCases, type E2eResults } from './e2e-cases';
import { limitCases, type LimitResults } from './ingress-limits';
import { benchOptions } from './options';
import { MONGODB_DB, stopAllChildren } from './processes';
import { busyThreads, formatProfile, profileCases, type ProfileResults } from './profile-case';
import { formatGoals, formatTable, machine, writeResults } from './report';
import { type FlowControlResults, flowControlCases, formatFlowControls } from './flow-controls';
import { tableRows } from './rows';
import { type PoisonedResults, poisonedCase, poisonedRows } from './poisoned-case';
import { type TracingCost, tracingCostCase, tracingRows } from './tracing-cost';
import { type OutboundResults, outboundCase, outboundRows } from './outbound';
import { type FanoutRun, fanoutCase, fanoutRows } from './outbound-fanout';

async function main() {
  // --topology cluster: the scaling table of the cluster topology (bench/cluster-scale.ts).
  const argv = process.argv.slice(2);
  if (argv.includes('--topology=cluster') || argv[argv.indexOf('--topology') + 1] === 'cluster') return clusterScale();
  const options = benchOptions(process.env, argv);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = join(ROOT, '.bench');
  const logDir = join(outDir, `logs-${stamp}`);
  mkdirSync(logDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-bench-'));
  const began = Date.now();
  const machineAtStart = machine();
  const say = (m: string) => console.log(`[bench ${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${m}`);

  if (options.compiled) {
    say('BENCH_COMPILED=1: building (npm run build); the ingress runs from dist/');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  say(`starting the stack (Temporal dev server, FerretDB, SMTP catcher) in ${dataDir}; child logs in ${logDir}`);
  const services = await startEmbeddedServices({
    dataDir,
    headless: true,
    ports: { temporal: await freePort(), temporalUi: await freePort(), mongo: await freePort(), smtp: await freePort() },
    // BENCH_TEMPORAL_DYNAMIC_CONFIG (space-separated key=value): server settings to measure, e.g. system.enableActivityEagerExecution=true.
    temporalDynamicConfig: process.env.BENCH_TEMPORAL_DYNAMIC_CONFIG?.split(/\s+/).filter(Boolean),
  });
  const connection = await Connection.connect({ address: services.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const mongo = await new MongoClient(services.mongodbUri).connect();
  let tagSeq = 0;
  const runId = Date.now().toString(36);
  const stack = { temporalAddress: services.temporalAddress, mongodbUri: services.mongodbUri, smtpUrl: services.smtpUrl };
  const ctx: BenchContext = {
    options,
    stack,
    client,
    db: mongo.db(MONGODB_DB),
    logDir,
    tag: (label) => `${runId}${label}${++tagSeq}`,
    child: (taskQueue, nodeFlags) => ({ stack, taskQueue, logDir, logLevel: options.logLevel, nodeFlags, compiled: options.compiled }),
    say,
    infra: { temporal: childPids(process.pid, 'temporal'), ferretdb: childPids(process.pid, 'ferretdb') },
  };

  process.once('SIGINT', () => { say('interrupted: stopping every child'); void stopAllChildren().then(() => services.stop()).finally(() => process.exit(130)); });

  let accept: AcceptResults | undefined;
  let e2e: E2eResults | undefined;
  let profile: ProfileResults | undefined;
  let limits: FlowControlResults | undefined;
  let collect: Awaited<ReturnType<typeof collectCases>> | undefined;
  let controls: ControlResults | undefined;
  let overload: LimitResults | undefined;
  let poisoned: PoisonedResults | undefined;
  let tracing: TracingCost | undefined;
  let outbound: OutboundResults | undefined;
  let fanout: FanoutRun[] | undefined;
  try {
    if (options.cases.has('accept')) accept = await acceptCases(ctx);
    if (options.cases.has('e2e')) e2e = await e2eCases(ctx);
    if (options.cases.has('overload')) overload = await limitCases(ctx, accept?.ingress.ratePerSec);
    if (options.cases.has('limits')) limits = await flowControlCases(ctx);
    if (options.cases.has('controls')) controls = await controlCases(ctx);
    if (options.cases.has('profile')) profile = await profileCases(ctx, join(outDir, `profile-${stamp}`));
    if (options.cases.has('collect')) collect = await collectCases(ctx);
    if (options.cases.has('poisoned')) poisoned = await poisonedCase(ctx);
    if (options.cases.has('tracing')) tracing = await tracingCostCase(ctx);
    if (options.cases.has('outbound')) outbound = await outboundCase(ctx);
    if (options.cases.has('fanout')) fanout = await fanoutCase(ctx);
  } finally {
    await stopAllChildren();
    await connection.close();
    await mongo.close();
    await services.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const rows = [...tableRows(accept, e2e, overload, options.compiled), ...controlRows(controls), ...(collect?.rows ?? []), ...poisonedRows(poisoned), ...tracingRows(tracing), ...outboundRows(outbound), ...fanoutRows(fanout)];
  const file = writeResults(outDir, { machine: { ...machineAtStart, loadAverage1mAtEnd: machine().loadAverage1m }, options: { ...options, cases: [...options.cases] }, startedAt: new Date(began).toISOString(), durationSeconds: (Date.now() - began) / 1000, rows, accept, e2e, controls, profile, overload, limits, collect: collect?.sides, poisoned, tracing, outbound, fanout });
  console.log(`\n${formatTable(rows)}\n\n${formatGoals(rows)}\n`);
  const cpu = (label: string, c?: Record<string, number>) => c && console.log(`CPU ms per event, ${label}: ${Object.entries(c).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  cpu('direct start', accept?.cpuPerEvent.direct);
  cpu('1 ingress', accept?.cpuPerEvent.ingress);
  cpu('2 ingresses', accept?.cpuPerEvent.twoIngresses);
  for (const r of e2e?.flow ?? []) cpu(`flow run, ${r.workers} worker(s)`, r.cpuPerRun);
  for (const r of e2e?.baseline ?? []) cpu(`hand-written run, ${r.workers} worker(s)`, r.cpuPerRun);
  if (limits) console.log(`${formatFlowControls(limits)}\n`);
  if (profile) {
    for (const t of busyThreads(profile.ingress.threads)) console.log(`${formatProfile('ingress CPU profile under load', t)}\n`);
    for (const [name, w] of [['flow worker', profile.worker], ['baseline worker', profile.baselineWorker]] as const) {
      for (const t of busyThreads(w.threads)) console.log(`${formatProfile(`${name} CPU profile, ${w.runs} runs`, t)}\n`);
    }
    const f = profile.worker;
    const b = profile.baselineWorker;
    console.log(`CPU per run, flow vs hand-written: workflow thread ${f.workflowThreadMsPerRun.toFixed(1)} vs ${b.workflowThreadMsPerRun.toFixed(1)} ms, worker main thread ${f.mainThreadMsPerRun.toFixed(1)} vs ${b.mainThreadMsPerRun.toFixed(1)} ms\n`);
  }
  const m = machineAtStart;
  console.log(`machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, load average ${m.loadAverage1m} at start and ${machine().loadAverage1m} at end; figures in ${file}; took ${((Date.now() - began) / 1000).toFixed(0)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
