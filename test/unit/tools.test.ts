// Tool resolution: explicit path, then PATH, then the per-user cache; a clear message without Go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOOLS, cachedToolPath, ensureTool, findTool } from '../../devstack/tools';

function fakeExecutable(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

test('an explicit path wins, then PATH, then the versioned cache', () => {
  const root = mkdtempSync(join(tmpdir(), 'hookflow-tools-'));
  const env = { PATH: join(root, 'bin'), HOOKFLOW_TOOLS_DIR: join(root, 'cache') };
  assert.equal(findTool(TOOLS.temporal, env), undefined);
  const cached = cachedToolPath(TOOLS.temporal, env);
  assert.match(cached, /temporal-v1\.5\.1\/temporal$/);
  fakeExecutable(join(cached, '..'), 'temporal');
  assert.equal(findTool(TOOLS.temporal, env), cached);
  const onPath = fakeExecutable(join(root, 'bin'), 'temporal');
  assert.equal(findTool(TOOLS.temporal, env), onPath);
  const explicit = fakeExecutable(join(root, 'elsewhere'), 'my-temporal');
  assert.equal(findTool(TOOLS.temporal, { ...env, HOOKFLOW_TEMPORAL_BIN: explicit }), explicit);
  assert.throws(() => findTool(TOOLS.temporal, { ...env, HOOKFLOW_TEMPORAL_BIN: join(root, 'missing') }), /HOOKFLOW_TEMPORAL_BIN=.* is not an executable/);
});

test('without Go and without a binary, the message says what to install or set', () => {
  const root = mkdtempSync(join(tmpdir(), 'hookflow-tools-'));
  const env = { PATH: join(root, 'empty-bin'), HOOKFLOW_TOOLS_DIR: join(root, 'cache') };
  assert.throws(() => ensureTool(TOOLS.ferretdb, env), (err: Error) => /Go is not on PATH/.test(err.message) && /HOOKFLOW_FERRETDB_BIN/.test(err.message));
});

test('the patched FerretDB has its own cache entry and is never taken from PATH', () => {
  const root = mkdtempSync(join(tmpdir(), 'hookflow-tools-'));
  const env = { PATH: join(root, 'bin'), HOOKFLOW_TOOLS_DIR: join(root, 'cache') };
  const cached = cachedToolPath(TOOLS.ferretdb, env);
  assert.match(cached, /ferretdb-v1\.24\.2-hookflow\.\d+\/ferretdb$/);
  fakeExecutable(join(root, 'bin'), 'ferretdb');
  assert.equal(findTool(TOOLS.ferretdb, env), undefined);
  fakeExecutable(join(cached, '..'), 'ferretdb');
  assert.equal(findTool(TOOLS.ferretdb, env), cached);
});
