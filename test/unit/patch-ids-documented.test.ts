// docs/flows.md's Versioning section lists every patch id the workflow code checks: an operator
// reading a run's history (its markers) finds what each one means.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths';

/** Strings of the same form that are not patch ids. */
const NOT_PATCH_IDS = new Set(['hookflow-hmac' /* an outbound signing scheme (engine/outbound.ts) */]);

test('every patch id in engine/ and workflows/ is listed in docs/flows.md under Versioning', () => {
  const ids = new Set<string>();
  for (const folder of ['engine', 'workflows']) {
    for (const file of readdirSync(join(ROOT, folder), { recursive: true }).map(String).filter((f) => f.endsWith('.ts'))) {
      for (const m of readFileSync(join(ROOT, folder, file), 'utf8').matchAll(/'(hookflow-[a-z0-9-]+)'/g)) if (!NOT_PATCH_IDS.has(m[1])) ids.add(m[1]);
    }
  }
  assert.ok(ids.size >= 9, `found only ${[...ids].join(', ')}`);
  const docs = readFileSync(join(ROOT, 'docs/flows.md'), 'utf8');
  const section = docs.slice(docs.indexOf('## Versioning'), docs.indexOf('\n## ', docs.indexOf('## Versioning') + 3));
  assert.deepEqual([...ids].filter((id) => !section.includes(`\`${id}\``)), [], 'patch ids missing from docs/flows.md (Versioning)');
});
