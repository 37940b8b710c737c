// The printed table and the JSON file: one row per figure, hookflow beside its baseline.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fmt, ratio } from './stats';

export interface Row {
  case: string;
  measure: string;
  hookflow: number;
  baseline: number;
  /** hookflow / baseline */
  ratio: number;
  /** The goal of issue 16 this row measures (its numbering, not the bench's case numbers). */
  goal?: number;
  /** e.g. ">= 0.9" on the ratio, or "<= 150" on the hookflow value. */
  target?: string;
  met?: boolean;
}

export function row(c: string, measure: string, hookflow: number, baseline: number, target?: { goal?: number; ratioAtLeast?: number; ratioAtMost?: number; valueAtMost?: number }): Row {
  const r = ratio(hookflow, baseline);
  const out: Row = { case: c, measure, hookflow, baseline, ratio: r, ...(target?.goal !== undefined && { goal: target.goal }) };
  if (target?.ratioAtLeast !== undefined) Object.assign(out, { target: `ratio >= ${target.ratioAtLeast}`, met: r >= target.ratioAtLeast });
  if (target?.ratioAtMost !== undefined) Object.assign(out, { target: `ratio <= ${target.ratioAtMost}`, met: r <= target.ratioAtMost });
  if (target?.valueAtMost !== undefined) Object.assign(out, { target: `<= ${target.valueAtMost}`, met: hookflow <= target.valueAtMost });
  return out;
}

/** A Markdown table (readable in a terminal, pasteable into docs/benchmarks.md). */
export function formatTable(rows: Row[]): string {
  const head = ['case', 'measure', 'hookflow', 'baseline', 'ratio', 'goal', 'target', 'met'];
  const body = rows.map((r) => [r.case, r.measure, fmt(r.hookflow), fmt(r.baseline), fmt(r.ratio), r.goal === undefined ? '' : String(r.goal), r.target ?? '', r.met === undefined ? '' : r.met ? 'yes' : 'NO']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

export function machine() {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    // Other work on the machine skews every figure: the 1-minute load average says how much there was.
    loadAverage1m: Number(loadavg()[0].toFixed(2)),
  };
}

/** Writes <dir>/<prefix>-<time>.json and <dir>/latest.json (bench: .bench/bench-…); returns the first path. */
export function writeResults(dir: string, results: object, prefix = 'bench'): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const text = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(file, text);
  writeFileSync(join(dir, 'latest.json'), text);
  return file;
}

/** One line per goal of issue 16: met when every row measuring it is met. */
export function formatGoals(rows: Row[]): string {
  const goals = new Map<number, Row[]>();
  for (const r of rows) if (r.goal !== undefined && r.met !== undefined) goals.set(r.goal, [...(goals.get(r.goal) ?? []), r]);
  return [...goals.entries()].sort(([a], [b]) => a - b).map(([goal, list]) => {
    const missed = list.filter((r) => !r.met);
    return `goal ${goal}: ${missed.length === 0 ? 'met' : `NOT met (${missed.map((r) => `${r.measure}: ${fmt(r.target?.startsWith('ratio') ? r.ratio : r.hookflow)} vs ${r.target}`).join('; ')})`}`;
  }).join('\n');
}
