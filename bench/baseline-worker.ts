// A worker process for the hand-written baseline workflow: the same process setup, worker
// factory and activities as worker/main.ts, but its own workflow code (on its own task queue).
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { exitOnStartupError } from '../lib/startup';
import { runWorkerProcess } from '../worker/run-worker';

async function main() {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, pretty: false, name: 'baseline-worker' });
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./baseline-workflow') });
  await runWorkerProcess({ config, log, workflowBundle });
}

main().catch(exitOnStartupError('baseline-worker'));
