// `npm run bench:flow-tests`: what `hookflow test` costs on the shipped flows in process, next to
// the fixed cost the other design would pay before its first case: the Temporal dev server
// started and answering, and the workflow code bundled for a worker. The figures are in
// docs/flows.md "Testing flows" (why hookflow test runs in process).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { runFlowTests } from '../flowtests';
import { ensureTool, TOOLS } from '../devstack/tools';
import { startTemporalDevServer } from '../devstack/temporal';
import { FLOW_BUNDLE } from '../worker/create-worker';
import { freePort } from '../lib/net';

const ROOT = resolve(__dirname, '..');

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const result = await fn();
  const used = process.cpuUsage(cpu);
  console.log(`${what.padEnd(44)} ${((performance.now() - wall) / 1000).toFixed(2)} s wall, ${((used.user + used.system) / 1e6).toFixed(2)} s CPU (this process)`);
  return result;
}

async function main(): Promise<void> {
  const report = await timed('hookflow test, shipped flows (in process)', () =>
    runFlowTests({ dirs: { flowsDir: join(ROOT, 'flows'), sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') }, samplesDir: join(ROOT, 'samples') }));
  console.log(`  ${report.cases.length} cases, ${report.cases.filter((c) => c.failures.length).length} failed`);
  await timed('bundle the workflow code (worker start)', () => bundleWorkflowCode({ ...FLOW_BUNDLE, logger: new DefaultLogger('WARN') }));
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-bench-'));
  const server = await timed('Temporal dev server started and answering', async () =>
    startTemporalDevServer({ bin: ensureTool(TOOLS.temporal), port: await freePort(), headless: true, dbFile: join(dir, 'temporal.db') }));
  await server.process.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
