// The printed table and the per-scenario details (main.ts writes the JSON under .chaos/, git-ignored).
import type { ScenarioResult } from './scenario';

const num = (n: number | null | undefined, digits = 0) => (n === null || n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits));

export function formatTable(results: ScenarioResult[]): string {
  const head = ['scenario', 'events', 'acked', 're-sent', 'lost', 'duplicated', 'email resends', 'drain s', 'crashed', 'result'];
  const body = results.map((r) => [
    r.name, String(r.verdict.events), String(r.verdict.acknowledged), String(r.resent), String(r.verdict.lost), String(r.verdict.duplicated),
    String(r.verdict.emailResends), num(r.drainSeconds, 1), String(r.crashed.length), r.passed ? 'ok' : 'FAILED',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

/** Each scenario's own figures and its problems, one block per scenario. */
export function formatDetails(results: ScenarioResult[]): string {
  return results.map((r) => {
    const figures = Object.entries(r.figures).map(([k, v]) => `${k} ${typeof v === 'number' ? num(v, Number.isInteger(v) ? 0 : 1) : v}`).join(', ');
    const problems = r.verdict.problems.map((p) => `    - ${p}`).join('\n');
    return `${r.name} (${r.durationSeconds.toFixed(0)} s)${figures ? `: ${figures}` : ''}${problems ? `\n${problems}` : ''}`;
  }).join('\n');
}
