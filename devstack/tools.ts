// Provides the Temporal CLI and FerretDB binaries: an explicit path from the environment, else
// PATH, else a copy built once from the pinned Go module into a per-user cache keyed by version.
// Nothing is downloaded but Go modules; a fresh clone on the same machine reuses the cache.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { FERRETDB_PATCH_TAG, patchFerretDbSource } from './ferretdb-patch';

export interface ToolSpec {
  name: string;
  envVar: string;
  module: string;
  version: string;
  pkg: string;
  /** Linker flags, e.g. the version string a release build stamps in. */
  ldflags?: string;
  /** Changes hookflow applies to the module's source before building; `tag` is part of the cache key. */
  patch?: { tag: string; apply(srcDir: string): void };
}

export const TOOLS: Record<'temporal' | 'ferretdb', ToolSpec> = {
  // v1.5.1 is the newest tag whose go.mod has no replace directive (later tags refuse `go install`).
  temporal: { name: 'temporal', envVar: 'HOOKFLOW_TEMPORAL_BIN', module: 'github.com/temporalio/cli', version: 'v1.5.1', pkg: './cmd/temporal' },
  ferretdb: { name: 'ferretdb', envVar: 'HOOKFLOW_FERRETDB_BIN', module: 'github.com/FerretDB/FerretDB', version: 'v1.24.2', pkg: './cmd/ferretdb', patch: { tag: FERRETDB_PATCH_TAG, apply: patchFerretDbSource } },
};

export function toolsCacheDir(env = process.env): string {
  if (env.HOOKFLOW_TOOLS_DIR) return env.HOOKFLOW_TOOLS_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'hookflow', 'tools');
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export function cachedToolPath(spec: ToolSpec, env = process.env): string {
  const build = spec.patch ? `${spec.version}-${spec.patch.tag}` : spec.version;
  return join(toolsCacheDir(env), `${spec.name}-${build}`, spec.name);
}

/** Where the tool is, without building it; undefined when it must be built. */
export function findTool(spec: ToolSpec, env = process.env): string | undefined {
  const explicit = env[spec.envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${spec.envVar}=${explicit} is not an executable file`);
    return explicit;
  }
  // A patched tool is never taken from PATH: an upstream build there would lack the fix.
  const fromPath = spec.patch ? undefined : onPath(spec.name, env);
  return fromPath ?? (isExecutable(cachedToolPath(spec, env)) ? cachedToolPath(spec, env) : undefined);
}

export function ensureTool(spec: ToolSpec, env = process.env): string {
  const found = findTool(spec, env);
  if (found) return found;
  buildTool(spec, env);
  return cachedToolPath(spec, env);
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; capture?: boolean }): string {
  const res = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8' });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${res.status}`);
  return res.stdout ?? '';
}

/** The read-only source folder of a module version, fetched through the Go module proxy once. */
export function goModuleDir(module: string, version: string, env = process.env): string {
  const info = JSON.parse(run('go', ['mod', 'download', '-json', `${module}@${version}`], { env, capture: true })) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'no source directory'}`);
  return info.Dir;
}

/**
 * Builds from the module's own go.mod (pinned dependencies). Done from a copy of the module
 * rather than `go install mod@version` for two reasons seen here: the proxy can refuse the
 * version list `go install` reads for deprecation notices, and FerretDB panics at start unless
 * build/version/version.txt (a generated file, absent from the module zip) holds its version.
 */
function buildTool(spec: ToolSpec, env: NodeJS.ProcessEnv): void {
  if (!onPath('go', env)) {
    throw new Error(
      `${spec.name} ${spec.version} is not installed and Go is not on PATH to build it.\n` +
        `Install Go (1.23 or newer) and run again, or set ${spec.envVar} to an existing ${spec.name} binary.`,
    );
  }
  const target = cachedToolPath(spec, env);
  const started = Date.now();
  console.error(`[tools] building ${spec.name} ${spec.version} from ${spec.module} (first use only; a few minutes)…`);
  const moduleDir = goModuleDir(spec.module, spec.version, env);
  const work = mkdtempSync(join(tmpdir(), `hookflow-build-${spec.name}-`));
  let partial: string | undefined;
  try {
    const src = join(work, 'src');
    cpSync(moduleDir, src, { recursive: true });
    spawnSync('chmod', ['-R', 'u+w', src]);
    if (spec.name === 'ferretdb') writeFileSync(join(src, 'build', 'version', 'version.txt'), `${spec.version}\n`);
    spec.patch?.apply(src);
    mkdirSync(join(target, '..'), { recursive: true });
    // A name of this build's own, beside the target (a rename across file systems would fail): two
    // starts building at once each rename a whole binary into place, instead of one renaming away
    // the file the other is still writing (CI saw `ENOENT … chmod …temporal.partial`).
    partial = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
    // -v lists each package as it compiles: visible progress on a long first build.
    run('go', ['build', '-v', '-trimpath', ...(spec.ldflags ? ['-ldflags', spec.ldflags] : []), '-o', partial, spec.pkg], { cwd: src, env });
    chmodSync(partial, 0o755);
    renameSync(partial, target); // atomic: a concurrent reader never sees half a binary
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (partial) rmSync(partial, { force: true }); // a failed build leaves nothing behind
  }
  console.error(`[tools] ${spec.name} ${spec.version} ready at ${target} (${Math.round((Date.now() - started) / 1000)} s)`);
}

export function ensureAllTools(env = process.env): Record<keyof typeof TOOLS, string> {
  return { temporal: ensureTool(TOOLS.temporal, env), ferretdb: ensureTool(TOOLS.ferretdb, env) };
}

