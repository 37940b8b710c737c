// The image installs production dependencies only (npm ci --omit=dev): every package that code
// compiled into it imports must be one of them, and the development tooling must not be.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
/** The folders tsconfig.build.json compiles, plus what the CLI pulls in from elsewhere (flowtests/). */
const FOLDERS = [...build.include.filter((p) => !p.includes('*')), 'flowtests'];
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+'([^'.][^']*)'|require\('([^'.][^']*)'\)|import\('([^'.][^']*)'\)/gm;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Each package imported (types only excepted) by production code, with the first file that does. */
function importedPackages(): Map<string, string> {
  const found = new Map<string, string>();
  for (const folder of FOLDERS) {
    for (const file of files(join(ROOT, folder))) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        if (/^\s*(import|export) type\s/.test(m[0])) continue;
        const specifier = m[1] ?? m[2] ?? m[3];
        if (specifier.startsWith('node:') || builtinModules.includes(packageOf(specifier))) continue;
        if (!found.has(packageOf(specifier))) found.set(packageOf(specifier), file.slice(ROOT.length + 1));
      }
    }
  }
  return found;
}

test('code compiled into the image imports only production dependencies', () => {
  const missing = [...importedPackages()].filter(([name]) => !(name in pkg.dependencies)).map(([name, file]) => `${name} (${file})`);
  assert.deepEqual(missing, []);
});

test('development tooling is not a production dependency', () => {
  for (const tool of ['tsx', 'typescript', 'pino-pretty', 'smtp-server', 'mailparser', 'eslint']) {
    assert.ok(!(tool in pkg.dependencies), `${tool} is a production dependency`);
  }
});
