// npm run chaos: hookflow under faults, on its own stack on free ports (Temporal dev server,
// FerretDB, SMTP catcher, ingresses and workers as real processes, killed with kill -9 by pid).
// Prints a table, writes the figures to .chaos/. Options: chaos/options.ts, docs/reliability.md.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../bench/direct-start';
import { machine } from '../bench/report';
import { chaosOptions } from './options';
import { writeResults } from '../bench/report';
import { formatDetails, formatTable } from './report';
import { runScenarios } from './run';
import { ChaosStack } from './stack';

async function main() {
  const options = chaosOptions(process.argv.slice(2));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = join(ROOT, '.chaos');
  const logDir = join(outDir, `logs-${stamp}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-chaos-'));
  chmodSync(dataDir, 0o755); // the cluster's PostgreSQL runs as the postgres user when this runs as root
  const began = Date.now();
  const machineAtStart = machine();
  const say = (m: string) => console.log(`[chaos ${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${m}`);

  say(`${options.topology} topology: scenarios ${options.only.join(', ')} at scale ${options.scale}; stack in ${dataDir}; child logs in ${logDir}`);
  const stack = await ChaosStack.start(dataDir, logDir, options.logLevel, options.topology);
  process.once('SIGINT', () => { say('interrupted: stopping every child'); void stack.stop().finally(() => process.exit(130)); });
  let results;
  try {
    results = await runScenarios(stack, options, say);
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const file = writeResults(outDir, { machine: { ...machineAtStart, loadAverage1mAtEnd: machine().loadAverage1m }, options, startedAt: new Date(began).toISOString(), durationSeconds: (Date.now() - began) / 1000, results }, 'chaos');
  console.log(`\n${formatTable(results)}\n\n${formatDetails(results)}\n`);
  console.log(`machine: ${machineAtStart.cores} cores, load average ${machineAtStart.loadAverage1m} at start and ${machine().loadAverage1m} at end; figures in ${file}; took ${((Date.now() - began) / 1000).toFixed(0)} s`);
  if (results.some((r) => !r.passed)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
