// The V8 heap flags every hookflow process starts with (measured in docs/benchmarks.md, "Memory").
// - Young generation: Node sizes it from the machine's memory (16 MB semi-spaces with a 4 GB heap
//   limit) and a busy ingress or worker fills it: 32 MB of RSS per isolate, and the worker has two
//   (its main thread and the workflow thread). 4 MB semi-spaces keep 8 MB.
// - Old generation: with a heap limit of 2 GB or more V8 lets the old space grow to 4x what
//   survived the last full collection before it collects again; at 1 GB it allows ~1.6x, so what
//   smaller semi-spaces promote early is collected instead of piling up. The live heap is 30-90 MB
//   (the ingress's in-flight requests are bounded by HOOKFLOW_MAX_IN_FLIGHT and each source's
//   maxBodyBytes); a source taking bodies of many MB may need more (the image's NODE_OPTIONS can
//   be overridden; node's command line wins over NODE_OPTIONS).
// V8 reads both only when an isolate is created, so they go on node's command line or in
// NODE_OPTIONS: package.json's ingress and worker scripts, devstack/start.ts (npm start), the
// Dockerfile (NODE_OPTIONS) and the bench use them; test/unit/heap-flags.test.ts keeps them in step.
export const HEAP_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=4', '--max-old-space-size=1024']);

/** The heap flags this process was started without (neither on its command line nor in NODE_OPTIONS). */
export function missingHeapFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map((f) => f.replace(/_/g, '-')));
  return HEAP_FLAGS.filter((f) => !given.has(f));
}

/** One warning at start-up when a flag is missing (e.g. `node dist/server/main.js` run by hand). */
export function warnMissingHeapFlags(log: { warn(obj: object, msg: string): void }, missing = missingHeapFlags()): void {
  if (missing.length) log.warn({ missing }, `started without ${missing.join(' ')}: the process will use more memory under load; pass them to node or in NODE_OPTIONS (lib/heap-flags.ts)`);
}
