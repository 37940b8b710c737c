// The heap flags of lib/heap-flags.ts reach every way of starting hookflow, and cap the young
// generation of both the main thread and a worker thread (the worker's workflow thread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEAP_FLAGS, missingHeapFlags, warnMissingHeapFlags } from '../../lib/heap-flags';

const ROOT = join(__dirname, '../..');
const SEMI_SPACE_MB = Number(/^--max-semi-space-size=(\d+)$/.exec(HEAP_FLAGS.find((f) => f.startsWith('--max-semi-space-size=')) ?? '')?.[1]);

test('the npm scripts and the Dockerfile start node with the heap flags', () => {
  const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
  for (const name of ['ingress', 'worker']) assert.deepEqual(missingHeapFlags(scripts[name]!.split(/\s+/), ''), [], `npm run ${name}`);
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  // The last stage is the image that runs; its NODE_OPTIONS applies to every command docker-compose.yml gives it.
  const runStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const nodeOptions = /^ENV NODE_OPTIONS=("?)(.+)\1$/m.exec(runStage)?.[2];
  assert.ok(nodeOptions, 'the Dockerfile sets NODE_OPTIONS');
  assert.deepEqual(missingHeapFlags([], nodeOptions), []);
});

// Allocates short-lived objects until V8 has grown the young generation as far as it will, then
// prints the new space's size in MB (both semi-spaces).
const GROW_NEW_SPACE = `
  const v8 = require('node:v8');
  let keep = [];
  for (let i = 0; i < 3e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 2e5) keep = []; }
  const size = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;`;

function newSpaceMb(flags: readonly string[], where: 'main' | 'worker thread'): number {
  const script = where === 'main' ? `${GROW_NEW_SPACE} console.log(size);`
    : `const { Worker } = require('node:worker_threads'); new Worker(${JSON.stringify(`${GROW_NEW_SPACE} console.log(size);`)}, { eval: true });`;
  return Number(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }).trim());
}

test('with the flags, the young generation of the main thread and of a worker thread stays at two semi-spaces of the set size', () => {
  assert.ok(SEMI_SPACE_MB > 0, 'HEAP_FLAGS sets --max-semi-space-size');
  for (const where of ['main', 'worker thread'] as const) {
    const mb = newSpaceMb(HEAP_FLAGS, where);
    assert.ok(mb > 0 && mb <= 2 * SEMI_SPACE_MB, `${where}: new space ${mb} MB, expected at most ${2 * SEMI_SPACE_MB}`);
  }
});

test('a process started without the flags says so once, naming them', () => {
  const flag = HEAP_FLAGS[0]!;
  assert.deepEqual(missingHeapFlags(['--import', 'tsx'], ''), [...HEAP_FLAGS]);
  assert.deepEqual(missingHeapFlags([...HEAP_FLAGS], ''), []);
  assert.deepEqual(missingHeapFlags([], `--enable-source-maps ${HEAP_FLAGS.join(' ')}`), []);
  assert.deepEqual(missingHeapFlags([], flag.replace(/-/g, '_').replace(/^__/, '--')), [], 'V8 accepts underscores too');
  const lines: string[] = [];
  const log = { warn: (_obj: object, msg: string) => lines.push(msg) };
  warnMissingHeapFlags(log, []);
  assert.equal(lines.length, 0);
  warnMissingHeapFlags(log, [flag]);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, new RegExp(flag));
});
