// The heap flags of lib/heap-flags.ts reach every way of starting hookflow, and cap the young
// generation of both the main thread and a worker thread (the worker's workflow thread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEAP_FLAGS, missingHeapFlags, warnMissingHeapFlags } from '../../lib/heap-flags';

const ROOT = join(__dirname, '../..');
const flagMb = (name: string) => Number(new RegExp(`^--${name}=(\\d+)$`).exec(HEAP_FLAGS.find((f) => f.startsWith(`--${name}=`)) ?? '')?.[1]);
const SEMI_SPACE_MB = flagMb('max-semi-space-size');
const OLD_SPACE_MB = flagMb('max-old-space-size');

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
  const size = [v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size, v8.getHeapStatistics().heap_size_limit].map((b) => b / 1048576).join(' ');`;

/** New space size and heap limit, in MB. */
function heapMb(flags: readonly string[], where: 'main' | 'worker thread'): { newSpace: number; limit: number } {
  const script = where === 'main' ? `${GROW_NEW_SPACE} console.log(size);`
    : `const { Worker } = require('node:worker_threads'); new Worker(${JSON.stringify(`${GROW_NEW_SPACE} console.log(size);`)}, { eval: true });`;
  const [newSpace, limit] = execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }).trim().split(' ').map(Number);
  return { newSpace: newSpace!, limit: limit! };
}

test('with the flags, the main thread and a worker thread keep a young generation of two semi-spaces of the set size, and the set heap limit', () => {
  assert.ok(SEMI_SPACE_MB > 0 && OLD_SPACE_MB > 0, 'HEAP_FLAGS sets --max-semi-space-size and --max-old-space-size');
  for (const where of ['main', 'worker thread'] as const) {
    const { newSpace, limit } = heapMb(HEAP_FLAGS, where);
    assert.ok(newSpace > 0 && newSpace <= 2 * SEMI_SPACE_MB, `${where}: new space ${newSpace} MB, expected at most ${2 * SEMI_SPACE_MB}`);
    // The limit is the old generation plus the young generation (three semi-spaces).
    assert.ok(limit >= OLD_SPACE_MB && limit <= OLD_SPACE_MB + 3 * SEMI_SPACE_MB, `${where}: heap limit ${limit} MB, expected ${OLD_SPACE_MB}-${OLD_SPACE_MB + 3 * SEMI_SPACE_MB}`);
  }
});

test('a process started without the flags says so once, naming them', () => {
  const flag = HEAP_FLAGS[0]!;
  assert.deepEqual(missingHeapFlags(['--import', 'tsx'], ''), [...HEAP_FLAGS]);
  assert.deepEqual(missingHeapFlags([...HEAP_FLAGS], ''), []);
  assert.deepEqual(missingHeapFlags([], `--enable-source-maps ${HEAP_FLAGS.join(' ')}`), []);
  assert.deepEqual(missingHeapFlags([], HEAP_FLAGS.map((f) => f.replace(/-/g, '_').replace(/^__/, '--')).join(' ')), [], 'V8 accepts underscores too');
  assert.deepEqual(missingHeapFlags(HEAP_FLAGS.slice(1), ''), [HEAP_FLAGS[0]]);
  const lines: string[] = [];
  const log = { warn: (_obj: object, msg: string) => lines.push(msg) };
  warnMissingHeapFlags(log, []);
  assert.equal(lines.length, 0);
  warnMissingHeapFlags(log, [flag]);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, new RegExp(flag));
});
