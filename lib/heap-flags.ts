// The V8 heap flags every hookflow process starts with. Node sizes the young generation from the
// machine's memory (16 MB semi-spaces on a machine with a 4 GB heap limit), and a busy ingress or
// worker fills it: two 16 MB semi-spaces, 32 MB of RSS per isolate, and the worker has two isolates (its
// main thread and the workflow thread). Measured in docs/benchmarks.md ("Memory").
// V8 reads this flag only when an isolate is created, so it has to be on the command line or in
// NODE_OPTIONS: package.json's ingress and worker scripts, devstack/start.ts (npm start), the
// Dockerfile (NODE_OPTIONS) and the bench all use these; test/unit/heap-flags.test.ts keeps them in step.
export const HEAP_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=4']);

/** The heap flags this process was started without (neither on its command line nor in NODE_OPTIONS). */
export function missingHeapFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map((f) => f.replace(/_/g, '-')));
  return HEAP_FLAGS.filter((f) => !given.has(f));
}

/** One warning at start-up when a flag is missing (e.g. `node dist/server/main.js` run by hand). */
export function warnMissingHeapFlags(log: { warn(obj: object, msg: string): void }, missing = missingHeapFlags()): void {
  if (missing.length) log.warn({ missing }, `started without ${missing.join(' ')}: the process will use more memory under load; pass them to node or in NODE_OPTIONS (lib/heap-flags.ts)`);
}
