// The worker process's output is one JSON object per line, the Temporal core's own log lines too
// (Runtime.install forwards them to the project's pino logger, worker/main.ts), never the core's
// ANSI-coloured console lines. The worker is spawned as `npm run worker` runs it, and made to log
// from the core: a run whose input is no flow run input fails its workflow task (a TypeError, not
// a failure of the run), and the core reports the failed task.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT, TEST_PAYLOAD_KEYS, startTestStack, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';
import { freePort } from '../../lib/net';

let stack: TestStack;
let worker: ChildProcess | undefined;

before(async () => { stack = await startTestStack({ worker: false }); });
after(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await stack?.stop();
});

test('every line the worker prints is JSON, the Temporal core\'s lines included, without ANSI colours', async () => {
  const taskQueue = uid('log-json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: stack.services.temporalAddress, MONGODB_URI: stack.services.mongodbUri, SMTP_URL: stack.services.smtpUrl,
    MONGODB_DB: stack.db.databaseName, TEMPORAL_TASK_QUEUE: taskQueue, WORKER_OPS_PORT: String(await freePort()),
    PAYMENTS_WEBHOOK_SECRET: 'unused-here', HOOKFLOW_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS, LOG_LEVEL: 'info',
    // Colours wherever a library would use them: none may reach the output.
    FORCE_COLOR: '1',
  };
  delete env.HOOKFLOW_PRETTY_LOGS;
  delete env.NO_COLOR;
  worker = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  worker.stdout!.on('data', (c) => { out += c; for (const w of waiters) w(); });
  worker.stderr!.on('data', (c) => { err += c; });
  const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => { for (const w of waiters) w(); resolve(code); }));
  const lineMatching = (test: (entry: Record<string, unknown>) => boolean, what: string) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${what}:\n${out}\n${err}`))), 120_000);
    const done = (settle: () => void) => { clearTimeout(timer); waiters.delete(check); settle(); };
    const check = () => {
      for (const line of out.split('\n').slice(0, -1)) {
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          if (test(entry)) return done(() => resolve(entry));
        } catch { /* checked below */ }
      }
      if (worker!.exitCode !== null) done(() => reject(new Error(`the worker exited before ${what}:\n${out}\n${err}`)));
    };
    waiters.add(check);
    check();
  });
  await lineMatching((e) => e.msg === 'worker running', 'the worker to run');

  // A run written with the operator's key whose input is null: its workflow task fails, and the
  // core logs the failing task (a warning).
  const handle = await stack.client.workflow.start('runFlow', { taskQueue, workflowId: uid('no-input'), args: [null] });
  const core = await lineMatching((e) => e.sdk === 'core', 'a line from the Temporal core');
  assert.equal(typeof core.level, 'number', 'pino\'s level');
  assert.equal(core.name, 'worker');
  await handle.terminate('log test done');

  worker.kill('SIGTERM');
  assert.equal(await exited, 0, err);
  const lines = out.split('\n').filter((l) => l.length > 0);
  assert.ok(lines.length >= 3);
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not a JSON line: ${JSON.stringify(line)}`);
  assert.ok(!out.includes('\u001b['), 'no ANSI escape on stdout');
  assert.ok(!err.includes('\u001b['), `no ANSI escape on stderr: ${err}`);
});
