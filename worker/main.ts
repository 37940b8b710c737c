// The worker process: checks the flow files, connects to Temporal, MongoDB and SMTP, runs until signalled.
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { loadDefinitions } from '../definitions/definitions';
import { exitOnStartupError } from '../lib/startup';
import { stopWhenLauncherGoes } from '../lib/launcher-watch';
import { Runtime } from '@temporalio/worker';
import { freePort } from '../lib/net';
import { runWorkerProcess } from './run-worker';
import { activityLogFields, sdkLogger } from './log-context';
import { warnMissingHeapFlags } from '../lib/heap-flags';
import { createWorkerMetrics } from '../lib/metrics';
import { startTracing } from '../lib/tracing';

async function main() {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, pretty: config.prettyLogs, name: 'worker', mixin: activityLogFields });
  warnMissingHeapFlags(log);
  const tracing = config.tracing ? startTracing('hookflow-worker') : undefined;
  // Workflow code's log lines and the SDK's warnings go to the same JSON log.
  // The SDK's metrics go to a loopback exporter that the ops server re-serves with its own.
  const sdkMetricsAddress = `127.0.0.1:${await freePort()}`;
  const metrics = createWorkerMetrics();
  Runtime.install({
    logger: sdkLogger(log, () => metrics.workflowTasksOverDeadline.inc()),
    // Core's own warnings (TMPRL1104: a workflow task over its deadline) come to the same log
    // instead of the console, and are counted (worker/stall-signals.ts).
    telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsAddress } }, logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
  });
  // The worker executes whatever definition a run carries, but refusing to start with broken
  // flow files surfaces the mistake where ops look first.
  loadDefinitions(config);
  // The SDK drains on the first SIGINT/SIGTERM and then stops listening; this handler keeps a
  // second one (the process group and the launcher both send one) from killing the drain.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => log.info({ signal }, 'worker draining: polling stops, in-flight tasks finish'));
  stopWhenLauncherGoes(log);
  await runWorkerProcess({ config, log, ops: { sdkMetricsAddress }, metrics, tracing });
  await tracing?.shutdown(); // the spans still batched go out
  process.exit(0);
}

main().catch(exitOnStartupError('worker'));
