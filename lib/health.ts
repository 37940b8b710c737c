// Liveness and readiness shared by the ingress and the worker: ready means every dependency
// answered within a short deadline (Temporal, MongoDB).

export interface ReadinessCheck {
  name: string;
  check(): Promise<unknown>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function readiness(checks: ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        await withTimeout(c.check(), CHECK_TIMEOUT_MS);
        return [c.name, { ok: true }] as const;
      } catch (err) {
        return [c.name, { ok: false, error: (err as Error).message }] as const;
      }
    }),
  );
  return { ready: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
}

/** Checks for the usual pair of dependencies. */
export function standardChecks(deps: {
  temporal: {
    workflowService: { getSystemInfo(req: object): Promise<unknown> };
    /** When given, the gRPC call (retries included) ends before the check times out, so nothing is left pending. */
    withDeadline?<T>(deadline: number, fn: () => Promise<T>): Promise<T>;
  };
  mongo: { command(cmd: object): Promise<unknown> };
}): ReadinessCheck[] {
  const { temporal } = deps;
  const systemInfo = () => temporal.workflowService.getSystemInfo({});
  return [
    { name: 'temporal', check: () => (temporal.withDeadline ? temporal.withDeadline(Date.now() + CHECK_TIMEOUT_MS - 250, systemInfo) : systemInfo()) },
    { name: 'mongodb', check: () => deps.mongo.command({ ping: 1 }) },
  ];
}
