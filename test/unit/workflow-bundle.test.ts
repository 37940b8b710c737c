// The workflow bundle cache (worker/workflow-bundle.ts): its key follows every file the bundle is
// made of, so an edited interpreter never runs from an older bundle, and a stored bundle is used
// only under the key of the code as it is now.
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { bundleKey, flowWorkflowBundle, readBundle, writeBundle } from '../../worker/workflow-bundle';
import { ROOT } from '../helpers/paths';

const dirs: string[] = [];
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `hookflow-${name}-`));
  dirs.push(dir);
  return dir;
};
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A copy of the code the bundle is made of. */
function codeCopy(): string {
  const root = tempDir('bundle-code');
  for (const dir of ['workflows', 'engine']) cpSync(join(ROOT, dir), join(root, dir), { recursive: true });
  return root;
}

test('the key is the same for the same code and changes with any edit of workflows/ or engine/, or a new file there', () => {
  const root = codeCopy();
  const key = bundleKey(root);
  assert.match(key, /^[0-9a-f]{32}$/);
  assert.equal(bundleKey(codeCopy()), key, 'a copy of the same code has the same key');
  appendFileSync(join(root, 'engine', 'defaults.ts'), '\n');
  const edited = bundleKey(root);
  assert.notEqual(edited, key, 'one added newline in engine/');
  writeFileSync(join(root, 'workflows', 'extra.ts'), 'export const x = 1;\n');
  assert.notEqual(bundleKey(root), edited, 'a new file in workflows/');
});

test('a stored bundle is used under the current key only', async () => {
  const cache = tempDir('bundle-cache');
  const current = bundleKey();
  writeBundle(cache, current, { code: '// stored for the current code', sourceMap: '{}' });
  const found = await flowWorkflowBundle(cache);
  assert.equal(found.from, 'cache');
  assert.equal(found.key, current);
  assert.equal(found.bundle.code, '// stored for the current code');
});

test('a stored bundle whose content changed after it was written is not used', () => {
  const cache = tempDir('bundle-tampered');
  const file = writeBundle(cache, 'k', { code: 'export const ok = 1;', sourceMap: '{}' });
  assert.deepEqual(readBundle(file), { code: 'export const ok = 1;', sourceMap: '{}' }, 'as written: used');
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { code: string };
  writeFileSync(file, JSON.stringify({ ...stored, code: 'export const ok = 2;' }));
  assert.equal(readBundle(file), undefined, 'edited code: built again');
  writeFileSync(file, JSON.stringify({ code: 'export const ok = 1;', sourceMap: '{}' }));
  assert.equal(readBundle(file), undefined, 'no digest (an older or hand-made file): built again');
});
