// What every case gets: the stack, a Temporal client, the options, and the measuring helpers.
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { LaneResult } from './lanes';
import type { BenchOptions } from './options';
import type { ChildOptions, StackAddresses } from './processes';
import { type LatencySummary, ratePerSecond, summarizeLatencies, tally } from './stats';

export interface BenchContext {
  options: BenchOptions;
  stack: StackAddresses;
  client: Client;
  db: Db;
  logDir: string;
  /** A unique tag per batch, so event ids never repeat across runs. */
  tag(label: string): string;
  /** Child process options for a task queue. */
  child(taskQueue: string, nodeFlags?: string[]): ChildOptions;
  say(message: string): void;
  /** Pids of the Temporal dev server and FerretDB this bench started (for CPU accounting). */
  infra: { temporal: number[]; ferretdb: number[] };
}

/** CPU milliseconds per accepted event (or completed run), by process group. */
export type CpuPerEvent = Record<string, number>;

export function perEvent(totals: Record<string, number>, count: number): CpuPerEvent {
  return Object.fromEntries(Object.entries(totals).map(([k, ms]) => [k, count > 0 ? ms / count : NaN]));
}

export function addInto(into: Record<string, number>, more: Record<string, number>): void {
  for (const [k, v] of Object.entries(more)) into[k] = (into[k] ?? 0) + v;
}

export interface RunFigures {
  sent: number;
  accepted: number;
  statuses: Record<string, number>;
  errors: number;
  firstErrors: string[];
  elapsedMs: number;
  ratePerSec: number;
  latencyMs: LatencySummary;
}

const ACCEPTED = new Set(['200', '201', '202', 'started']);

/** Figures of one run: accepted = 2xx answers (or started runs), rate = accepted per second. */
export function figures(r: LaneResult): RunFigures {
  const accepted = r.statuses.filter((s) => ACCEPTED.has(String(s))).length;
  return {
    sent: r.sent,
    accepted,
    statuses: tally(r.statuses),
    errors: r.errors.length,
    firstErrors: [...new Set(r.errors)].slice(0, 3),
    elapsedMs: r.elapsedMs,
    ratePerSec: ratePerSecond(accepted, r.elapsedMs),
    latencyMs: summarizeLatencies(r.latencies),
  };
}

export function describeRun(name: string, f: RunFigures): string {
  const l = f.latencyMs;
  const errs = f.errors ? `, ${f.errors} errors (${f.firstErrors.join('; ')})` : '';
  return `${name}: ${f.accepted}/${f.sent} accepted in ${(f.elapsedMs / 1000).toFixed(1)} s = ${f.ratePerSec.toFixed(0)}/s, p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, statuses ${JSON.stringify(f.statuses)}${errs}`;
}
