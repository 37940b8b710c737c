// Chaos settings from the command line (npm run chaos -- --only hot-document --scale 0.2), checked up front.

export const SCENARIOS = [
  'duplicate-storm', 'worker-kill', 'temporal-kill', 'mongo-kill', 'ingress-kill',
  'hot-document', 'reserve-stock', 'poisoned-neighbours', 'flood', 'soak',
] as const;
/** `--topology cluster`: faults of the cluster of `npm run cluster` (docs/reliability.md). */
export const CLUSTER_SCENARIOS = ['history-kill', 'matching-kill', 'lb-ingress-kill', 'one-of-three-workers-kill', 'postgres-kill', 'rolling-restart', 'flow-edit'] as const;
export type ScenarioName = (typeof SCENARIOS)[number] | (typeof CLUSTER_SCENARIOS)[number];
export type Topology = 'single' | 'cluster';

export interface ChaosOptions {
  /** Scenarios to run, in the order of SCENARIOS. */
  only: ScenarioName[];
  /** Multiplies every count, fault window and number of kills (at least 1 each); a storm's 20 copies stay 20. */
  scale: number;
  /** Upper bound of any wait: sending, re-sending, draining. */
  maxSeconds: number;
  /** LOG_LEVEL of the ingress and worker processes. */
  logLevel: string;
  /** single: Temporal's dev server; cluster: PostgreSQL, Temporal's four services, HAProxy (CLUSTER_SCENARIOS). */
  topology: Topology;
}

function valueOf(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  if (i >= 0) return argv[i + 1];
  const inline = argv.find((a) => a.startsWith(`${flag}=`));
  return inline?.slice(flag.length + 1);
}

function positive(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} takes a positive number, got "${raw}"`);
  return n;
}

export function chaosOptions(argv: string[]): ChaosOptions {
  const known = new Set(['--only', '--scale', '--max-seconds', '--log-level', '--topology']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a.split('=')[0])) throw new Error(`unknown option ${a}; options: ${[...known].join(', ')}`);
  const topology = valueOf(argv, '--topology') ?? 'single';
  if (topology !== 'single' && topology !== 'cluster') throw new Error(`--topology takes single or cluster, got "${topology}"`);
  const all: readonly ScenarioName[] = topology === 'cluster' ? CLUSTER_SCENARIOS : SCENARIOS;
  const onlyRaw = valueOf(argv, '--only');
  const wanted = onlyRaw ? onlyRaw.split(',').map((s) => s.trim()).filter(Boolean) : [...all];
  for (const w of wanted) if (!(all as readonly string[]).includes(w)) throw new Error(`--only takes ${all.join(', ')} (comma-separated) with --topology ${topology}, got "${w}"`);
  return {
    topology,
    only: all.filter((s) => wanted.includes(s)),
    scale: positive(valueOf(argv, '--scale'), '--scale', 1),
    maxSeconds: positive(valueOf(argv, '--max-seconds'), '--max-seconds', 600),
    logLevel: valueOf(argv, '--log-level') ?? 'warn',
  };
}

/** `n` scaled, at least `min`. */
export function scaled(n: number, scale: number, min = 1): number {
  return Math.max(min, Math.round(n * scale));
}
