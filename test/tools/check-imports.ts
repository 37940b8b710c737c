// The import rules of the layout (README "Folders"): each top-level folder may import only the
// folders below it (no sideways import unless the README names it), a folder inside server/ reaches
// another only through its index.ts, every folder with code is covered, and no file takes part in
// an import cycle (type imports count: a cycle of types is still a knot a reader has to untie).
// Run by `npm run lint`; exits 1 listing each breach.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Folder → the project folders its files may import (besides their own). */
export const ALLOWED: Record<string, string[]> = {
  lib: [],
  engine: [],
  definitions: ['engine', 'lib', 'schemas'],
  activities: ['engine', 'lib'],
  workflows: ['engine'],
  verification: ['definitions', 'lib'],
  server: ['verification', 'definitions', 'engine', 'lib', 'schemas'],
  worker: ['workflows', 'activities', 'definitions', 'engine', 'lib'],
  // Flow tests run the interpreter with simulated outcomes; the CLI's `test` command drives them.
  flowtests: ['verification', 'definitions', 'engine', 'lib', 'schemas'],
  cli: ['verification', 'definitions', 'engine', 'lib', 'flowtests'],
  devstack: ['definitions', 'engine', 'lib'],
  bench: ['flowtests', 'devstack', 'worker', 'workflows', 'activities', 'server', 'verification', 'definitions', 'engine', 'lib'],
  // The fault harness drives load with the bench's generators (README names this one sideways step).
  chaos: ['bench', 'devstack', 'activities', 'engine', 'lib'],
  test: ['chaos', 'flowtests', 'bench', 'devstack', 'cli', 'worker', 'server', 'verification', 'workflows', 'activities', 'definitions', 'engine', 'lib', 'schemas', 'ops', 'flows', 'sources', 'samples'],
};

/** Top-level folders that hold no TypeScript of the project's (or none that imports). */
const NOT_CODE = new Set(['node_modules', 'dist', 'docs', 'flows', 'sources', 'samples', 'schemas', 'ops', 'bin', 'deploy', '.git', '.data', '.ci']);

const ROOT = resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [relative(ROOT, path)] : [];
  });
}

/** The project files a file imports (relative specifiers only), resolved as TypeScript would. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName).filter((s) => s.startsWith('.')).map((spec) => {
    const base = resolve(ROOT, dirname(file), spec);
    for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
      try {
        if (statSync(candidate).isFile()) return relative(ROOT, candidate);
      } catch { /* try the next form */ }
    }
    return relative(ROOT, base);
  });
}

/** Top-level folders with .ts files that the rules above do not name. */
export function uncoveredFolders(root = ROOT): string[] {
  return readdirSync(root).filter((name) => !NOT_CODE.has(name) && !(name in ALLOWED) && !name.startsWith('.') && statSync(join(root, name)).isDirectory() && sourceFiles(join(root, name)).length > 0);
}

export function importGraph(): Map<string, string[]> {
  const files = Object.keys(ALLOWED).flatMap((dir) => sourceFiles(join(ROOT, dir)));
  return new Map(files.map((f) => [f, importsOf(f)]));
}

const topFolder = (file: string): string => file.split('/')[0];

export function layerBreaches(graph: Map<string, string[]>): string[] {
  const breaches: string[] = [];
  for (const [file, targets] of graph) {
    const own = topFolder(file);
    for (const target of targets) {
      const to = topFolder(target);
      if (to !== own && !ALLOWED[own]?.includes(to)) breaches.push(`${file} imports ${target}: ${own}/ may import ${ALLOWED[own].join(', ') || 'only itself'}`);
    }
  }
  return breaches;
}

/** server/<a>/… importing server/<b>/<file> other than its index.ts (each folder's entry). */
export function serverFolderBreaches(graph: Map<string, string[]>): string[] {
  const folderOf = (file: string) => { const p = file.split('/'); return p[0] === 'server' && p.length > 2 ? p[1] : undefined; };
  const breaches: string[] = [];
  for (const [file, targets] of graph) {
    if (!file.startsWith('server/')) continue;
    for (const target of targets) {
      const to = folderOf(target);
      if (!to || to === folderOf(file) || target === `server/${to}/index.ts`) continue;
      breaches.push(`${file} imports ${target}: another folder of server/ is reached through server/${to}/index.ts`);
    }
  }
  return breaches;
}

/** Strongly connected components of more than one file (Tarjan), plus files that import themselves. */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

if (require.main === module) {
  const graph = importGraph();
  const problems = [
    ...uncoveredFolders().map((d) => `${d}/ has code but no import rule in test/tools/check-imports.ts`),
    ...layerBreaches(graph), ...serverFolderBreaches(graph), ...importCycles(graph).map((c) => `import cycle: ${c.join(' ↔ ')}`),
  ];
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
  console.log(`imports: ${graph.size} files, no cycle, every import goes down the layers`);
}
