// The import check itself: each rule it enforces, shown failing on a graph that breaks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCycles, importGraph, layerBreaches, serverFolderBreaches, uncoveredFolders } from '../tools/check-imports';

test('an import up or sideways between top-level folders is a breach; down the layers is not', () => {
  const graph = new Map([
    ['cli/commands/send.ts', ['server/webhooks/index.ts', 'verification/sign.ts']],
    ['engine/interpreter.ts', ['lib/errors.ts']],
    ['lib/config.ts', []],
  ]);
  const breaches = layerBreaches(graph);
  assert.equal(breaches.length, 2, breaches.join('\n'));
  assert.match(breaches[0], /^cli\/commands\/send.ts imports server\/webhooks\/index.ts: cli\/ may import verification/);
  assert.match(breaches[1], /^engine\/interpreter.ts imports lib\/errors.ts: engine\/ may import only itself/);
});

test('a folder of server/ reaches another only through its index.ts', () => {
  const graph = new Map([
    ['server/console/router.ts', ['server/admin/replay.ts', 'server/admin/index.ts', 'server/console/html.ts']],
    ['server/ingress.ts', ['server/webhooks/app.ts']],
  ]);
  assert.deepEqual(serverFolderBreaches(graph), [
    'server/console/router.ts imports server/admin/replay.ts: another folder of server/ is reached through server/admin/index.ts',
    'server/ingress.ts imports server/webhooks/app.ts: another folder of server/ is reached through server/webhooks/index.ts',
  ]);
});

test('a cycle, of two files or of one importing itself, is found', () => {
  const graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']], ['c.ts', ['c.ts']], ['d.ts', ['a.ts']]]);
  assert.deepEqual(importCycles(graph), [['a.ts', 'b.ts'], ['c.ts']]);
});

test('a top-level folder with code and no rule is named', () => {
  const root = mkdtempSync(join(tmpdir(), 'imports-'));
  try {
    for (const [dir, file] of [['lib', 'a.ts'], ['newthing', 'b.ts'], ['docs', 'c.md']]) {
      mkdirSync(join(root, dir));
      writeFileSync(join(root, dir, file), '');
    }
    assert.deepEqual(uncoveredFolders(root), ['newthing']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the project as it stands passes every rule', () => {
  const graph = importGraph();
  assert.ok(graph.has('server/ingress.ts') && graph.has('verification/index.ts'), 'the graph covers server/ and verification/');
  assert.deepEqual([...uncoveredFolders(), ...layerBreaches(graph), ...serverFolderBreaches(graph), ...importCycles(graph).flat()], []);
});
