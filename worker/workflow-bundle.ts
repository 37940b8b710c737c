// The interpreter's workflow bundle, built once per content rather than at every worker start
// (bundling takes 15-60 s on a busy machine). The key is a hash of everything the bundle is made
// of: the files of workflows/ and engine/ (the only code workflow code may import, enforced by
// test/tools/check-imports.ts), the versions of the packages it imports, and the bundler options.
// A changed file changes the key, so a stale bundle is never run. Looked up in `npm run build`'s
// output (dist/workflow-bundles/), then in a cache folder outside the clone
// (HOOKFLOW_BUNDLE_CACHE, default ~/.cache/hookflow/workflow-bundles), else built and stored there.
// Each stored bundle carries a digest of its content, checked before it is run. (Tests use the
// default folder: test/helpers/stack.ts.)
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DefaultLogger, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { FLOW_BUNDLE, TRACED_FLOW_BUNDLE, WORKFLOWS_PATH } from './create-worker';
import { DEFAULT_BUNDLE_CACHE } from '../lib/config';

/** The folder holding workflows/ and engine/: the repository under tsx, dist/ in the compiled build. */
const CODE_ROOT = dirname(dirname(WORKFLOWS_PATH));
const SOURCE_DIRS = ['workflows', 'engine'];
const PACKAGES = ['@temporalio/workflow', '@temporalio/common', '@temporalio/worker', 'jsonata', '@temporalio/interceptors-opentelemetry'];
/** Where `npm run build` leaves the bundle of the compiled code (read-only at run time). */
export const BUILD_BUNDLE_DIR = join(CODE_ROOT, 'workflow-bundles');

function packageVersion(name: string): string {
  const pkg = join(require.resolve(name).split(`node_modules/${name}`)[0], 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** The bundle's options: the interpreter's, with Temporal's OpenTelemetry interceptors when traced. */
export const bundleOptions = (traced = false) => (traced ? TRACED_FLOW_BUNDLE : FLOW_BUNDLE);

/** Hash of the bundle's inputs: file names and contents, package versions, options. */
export function bundleKey(codeRoot = CODE_ROOT, traced = false): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ options: bundleOptions(traced), packages: PACKAGES.map((p) => [p, packageVersion(p)]), node: process.versions.node }));
  for (const dir of SOURCE_DIRS) {
    for (const file of (readdirSync(join(codeRoot, dir), { recursive: true, encoding: 'utf8' }) as string[]).sort()) {
      if (!/\.(ts|js|json)$/.test(file) || file.endsWith('.d.ts')) continue;
      hash.update(`\0${dir}/${file}\0`).update(readFileSync(join(codeRoot, dir, file)));
    }
  }
  return hash.digest('hex').slice(0, 32);
}

/** What a stored bundle's own digest covers: the code and its source map as stored. */
const contentDigest = (b: WorkflowBundleWithSourceMap) => createHash('sha256').update(b.code).update('\0').update(b.sourceMap).digest('hex');

/**
 * A stored bundle, if its content is what was stored: a file truncated or edited after it was
 * written (a full disk, a stray edit of the cache) is not run, it is built again.
 */
export function readBundle(file: string): WorkflowBundleWithSourceMap | undefined {
  let stored: WorkflowBundleWithSourceMap & { sha256?: string };
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as WorkflowBundleWithSourceMap & { sha256?: string };
  } catch {
    return undefined; // absent (or unreadable): build it
  }
  if (typeof stored.code !== 'string' || typeof stored.sourceMap !== 'string' || stored.sha256 !== contentDigest(stored)) return undefined;
  return { code: stored.code, sourceMap: stored.sourceMap };
}

/** Written to a temporary name and renamed: a reader never sees half a bundle, concurrent writers agree. */
export function writeBundle(dir: string, key: string, bundle: WorkflowBundleWithSourceMap): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 }); // code the worker runs: the user's alone
  const file = join(dir, `${key}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ code: bundle.code, sourceMap: bundle.sourceMap, sha256: contentDigest(bundle) }), { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

export interface BundleLookup {
  bundle: WorkflowBundleWithSourceMap;
  key: string;
  /** build: from `npm run build`; cache: from the cache folder; built: bundled now (and stored). */
  from: 'build' | 'cache' | 'built';
}

/** `traced`: the bundle for a worker with tracing on (TRACED_FLOW_BUNDLE). */
export async function flowWorkflowBundle(cacheDir = DEFAULT_BUNDLE_CACHE, onStoreError?: (err: Error) => void, traced = false): Promise<BundleLookup> {
  const key = bundleKey(CODE_ROOT, traced);
  for (const [dir, from] of [[BUILD_BUNDLE_DIR, 'build'], [cacheDir, 'cache']] as const) {
    const bundle = readBundle(join(dir, `${key}.json`));
    if (bundle) return { bundle, key, from };
  }
  const bundle = await bundleWorkflowCode({ ...bundleOptions(traced), logger: new DefaultLogger('WARN') });
  try {
    writeBundle(cacheDir, key, bundle);
  } catch (err) {
    onStoreError?.(err as Error); // a read-only home still runs, it bundles again next start
  }
  return { bundle, key, from: 'built' };
}
