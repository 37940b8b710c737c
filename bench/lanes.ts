// A bounded, closed-loop load driver: `concurrency` lanes each send one request at a time until
// `count` were sent or `maxMs` passed. With a rate, request k is not sent before start + k/rate,
// so the load is evenly paced (no per-second bursts). Used by every side of every comparison
// that is not autocannon, so both sides of a ratio are driven the same way.
import { performance } from 'node:perf_hooks';

export interface LaneOptions {
  count: number;
  concurrency: number;
  /** Requests per second across all lanes; omit for as fast as the lanes can go. */
  ratePerSec?: number;
  maxMs: number;
  /** Sends request `index`; resolves with a status (HTTP code, or 'ok'/'duplicate' for direct starts). */
  send: (index: number) => Promise<string | number>;
}

export interface LaneResult {
  sent: number;
  elapsedMs: number;
  /** Milliseconds per completed request, in completion order. */
  latencies: number[];
  statuses: (string | number)[];
  errors: string[];
}

/** When request `index` may start, given the run's start and rate (start itself without a rate). */
export function slotTime(start: number, index: number, ratePerSec?: number): number {
  return ratePerSec ? start + (index * 1000) / ratePerSec : start;
}

export async function runLanes(opts: LaneOptions): Promise<LaneResult> {
  const result: LaneResult = { sent: 0, elapsedMs: 0, latencies: [], statuses: [], errors: [] };
  const start = performance.now();
  const deadline = start + opts.maxMs;
  let next = 0;
  const lane = async () => {
    while (next < opts.count) {
      const index = next++;
      const due = slotTime(start, index, opts.ratePerSec);
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (performance.now() > deadline) return;
      const sentAt = performance.now();
      result.sent++;
      try {
        const status = await opts.send(index);
        result.latencies.push(performance.now() - sentAt);
        result.statuses.push(status);
      } catch (err) {
        result.errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, opts.count)) }, lane));
  result.elapsedMs = performance.now() - start;
  return result;
}

/** Adds up runs of one side taken in several rounds: counts and times add, samples concatenate. */
export function mergeLaneResults(results: LaneResult[]): LaneResult {
  return {
    sent: results.reduce((n, r) => n + r.sent, 0),
    elapsedMs: results.reduce((n, r) => n + r.elapsedMs, 0),
    latencies: results.flatMap((r) => r.latencies),
    statuses: results.flatMap((r) => r.statuses),
    errors: results.flatMap((r) => r.errors),
  };
}

/** Round r's order of the sides: rotated each round so no side always runs first (or after the same one). */
export function roundOrder<T>(sides: readonly T[], round: number): T[] {
  const k = round % sides.length;
  return [...sides.slice(k), ...sides.slice(0, k)];
}

/** Part `k` of `total` split into `parts` near-equal whole shares (the first ones take the remainder). */
export function share(total: number, parts: number, k: number): number {
  return Math.floor(total / parts) + (k < total % parts ? 1 : 0);
}
