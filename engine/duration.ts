// Durations as flow files write them: a whole number and a unit, such as 500ms, 30s, 5m, 2h, 1d.
// The one parser of them; the flow schema's "duration" pattern says the same.
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^([0-9]+)(ms|s|m|h|d)$/;

export function isDuration(value: unknown): value is string {
  return typeof value === 'string' && DURATION.test(value);
}

/** Milliseconds of a duration such as 15m; undefined when the value is not one. */
export function durationMs(value: unknown): number | undefined {
  const m = typeof value === 'string' ? DURATION.exec(value) : null;
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}

/** Milliseconds of a duration the loader has already checked; a value that is not one is a bug. */
export function checkedDurationMs(value: string): number {
  const ms = durationMs(value);
  if (ms === undefined) throw new Error(`not a duration: ${value}`);
  return ms;
}
