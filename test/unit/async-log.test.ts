// The ingress's asynchronous stdout (lib/logger.ts): lines written in batches still come out
// while the process runs (a quiet process does not hold them), and none is lost at exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait-for';

const LOGGER = join(__dirname, '..', '..', 'lib', 'logger.ts');

/** A node process that logs with the async logger, then runs `after` (code). */
function logger(script: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--eval', `const { createLogger } = require(${JSON.stringify(LOGGER)}); const log = createLogger({ level: 'info', pretty: false, name: 't', async: true }); ${script}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

test('a lone line is written while the process keeps running (no batch to fill)', async () => {
  const p = logger(`log.info('only line'); setInterval(() => {}, 1000);`);
  try {
    const line = await waitFor('the line on stdout', async () => p.output().includes('only line') && p.output(), { attempts: 300 });
    assert.equal(JSON.parse(line.trim()).msg, 'only line');
    assert.equal(p.child.exitCode, null, 'written before any exit');
  } finally {
    p.child.kill();
  }
});

test('every line is written when the process exits right after logging', async () => {
  const p = logger(`for (let i = 0; i < 500; i++) log.info({ i }, 'burst'); process.exit(0);`);
  assert.equal(await p.exited, 0);
  const lines = p.output().trim().split('\n').map((l) => JSON.parse(l) as { i: number });
  assert.deepEqual(lines.map((l) => l.i), Array.from({ length: 500 }, (_, i) => i));
});
