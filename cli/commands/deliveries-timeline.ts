// `hookflow deliveries show ID --timeline`: the event page's timeline as text, from
// GET /admin/deliveries/:id/timeline (server/admin/timeline.ts).

/** What the admin API answers (server/admin/timeline.ts), as far as it is printed. */
export interface TimelineItem {
  at?: string; kind: string; name: string; activity?: string; local?: boolean; attempts?: number;
  waitMs?: number; durationMs?: number; state: string; effect?: string; detail?: string;
}
export interface Timeline {
  deliveryId: string; traceId?: string; items: TimelineItem[];
  runs: { flow: string; workflowId: string; status: string; link: string; replayOf?: string; error?: string; items: TimelineItem[] }[];
}

function span(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function line(item: TimelineItem): string {
  const what = `${item.name}${item.kind === 'step' ? ` (${item.local ? 'local ' : ''}${item.activity ?? 'step'})` : item.kind === 'timer' || item.kind === 'signal' ? ` (${item.kind})` : ''}`;
  const timing = [
    item.attempts ? `${item.attempts} attempt${item.attempts > 1 ? 's' : ''}` : '',
    item.waitMs !== undefined ? `waited ${span(item.waitMs)}` : '',
    item.durationMs !== undefined ? `${item.kind === 'timer' ? 'for' : 'took'} ${span(item.durationMs)}` : '',
  ].filter(Boolean).join(', ');
  const tail = [item.effect, item.detail].filter(Boolean).join(' · ');
  return `  ${(item.at ?? '').slice(11, 23).padEnd(12)}  ${item.state.padEnd(8)}  ${what}${timing ? `  [${timing}]` : ''}${tail ? `  ${tail}` : ''}`;
}

export function timelineText(t: Timeline): string {
  const out = [`timeline of ${t.deliveryId}${t.traceId ? `  (trace ${t.traceId})` : ''}`, ...t.items.map(line)];
  for (const run of t.runs) {
    out.push(`  ${run.replayOf ? 'replay' : 'run'} ${run.flow}  ${run.workflowId}  ${run.status}${run.error ? `  (${run.error})` : ''}`, `        ${run.link}`);
    out.push(...run.items.map((i) => `  ${line(i)}`));
  }
  return out.join('\n');
}
