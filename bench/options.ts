// Bench settings from the environment (and --cpu-prof on the command line), checked up front.

export type BenchCase = 'accept' | 'e2e' | 'overload' | 'limits' | 'controls' | 'collect' | 'poisoned' | 'tracing' | 'outbound' | 'fanout' | 'profile';
const CASES: BenchCase[] = ['accept', 'e2e', 'overload', 'limits', 'controls', 'collect', 'poisoned', 'tracing', 'outbound', 'fanout', 'profile'];

export interface BenchOptions {
  /** Events per measured accept-rate run (case 1); case 2 sends half as many at half the rate. */
  events: number;
  /** Events per measured end-to-end run (case 3). */
  e2eEvents: number;
  /** Unmeasured events sent before each accept run (e2e warm-up is a tenth, at least 10). */
  warmup: number;
  /** Concurrent connections (HTTP) or in-flight starts (direct), the same on both sides. */
  connections: number;
  /** Each comparison's sides take turns this many times (less skew from other load on the machine). */
  rounds: number;
  /** Upper bound of any one measured run, and of the wait for a batch's runs to close. */
  maxSeconds: number;
  /** LOG_LEVEL of the ingress and worker processes (info is the production default). */
  logLevel: string;
  /** Length (s) of the overload run (case 6). */
  overloadSeconds: number;
  /** Run the ingress and case 3's flow worker from the compiled build (npm run build first), as the Dockerfile does. */
  compiled: boolean;
  /** Events per side of the collect case (debounce and batch against plain runs). */
  collectEvents: number;
  /** Which cases to run: accept (1, 2, 5), e2e (3, 5), overload (6 overload, 7 degraded), limits (rateLimit's store cost per event), controls (concurrency and throttle gates), collect (debounce and batch), poisoned (ordinary runs beside 5 poisoned events, p99 vs alone), tracing (CPU per event with tracing off, off again and on, exporting to Jaeger), outbound (deliveries/s and worker CPU per delivery to 3 loopback receivers vs a plain keep-alive loop; healthy p99 beside a destination answering in 2 s), fanout (one event to BENCH_FANOUT_SIZES destinations, default 300: publish step and last delivery, CPU per delivery; not in the default list), profile (ingress and worker under node --cpu-prof); memory (4) is taken during accept and e2e. */
  cases: Set<BenchCase>;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return n;
}

export function benchOptions(env: NodeJS.ProcessEnv, argv: string[]): BenchOptions {
  const cases = (env.BENCH_CASES || 'accept,e2e,overload,limits,controls,collect,poisoned,tracing,outbound').split(',').map((s) => s.trim()).filter(Boolean) as BenchCase[];
  for (const c of cases) if (!CASES.includes(c)) throw new Error(`BENCH_CASES takes ${CASES.join(', ')} (comma-separated), got "${c}"`);
  // --cpu-prof (npm run bench -- --cpu-prof) or BENCH_CPU_PROF=1 adds the profile case.
  if (argv.includes('--cpu-prof') || env.BENCH_CPU_PROF === '1') cases.push('profile');
  const events = positiveInt(env, 'BENCH_EVENTS', 1500);
  return {
    events,
    e2eEvents: positiveInt(env, 'BENCH_E2E_EVENTS', 200),
    collectEvents: positiveInt(env, 'BENCH_COLLECT_EVENTS', 300),
    warmup: positiveInt(env, 'BENCH_WARMUP', 200),
    connections: positiveInt(env, 'BENCH_CONNECTIONS', 32),
    rounds: positiveInt(env, 'BENCH_ROUNDS', 4),
    maxSeconds: positiveInt(env, 'BENCH_MAX_SECONDS', 180),
    logLevel: env.BENCH_LOG_LEVEL || 'info',
    overloadSeconds: positiveInt(env, 'BENCH_OVERLOAD_SECONDS', 30),
    compiled: env.BENCH_COMPILED === '1',
    cases: new Set(cases),
  };
}
