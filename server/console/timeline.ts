// The event page's timeline: received → stored → started → each run's steps with attempts, waits,
// durations, timers and effects (server/admin/timeline.ts reads them), and the trace link when
// the event was traced.
import type { Timeline, TimelineItem } from '../admin';
import { type Html, html } from './html';

/** "45 ms", "1.2 s", "3 min 5 s". */
export function span(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const min = Math.floor(ms / 60_000);
  return min < 60 ? `${min} min ${Math.round((ms % 60_000) / 1000)} s` : `${Math.floor(min / 60)} h ${min % 60} min`;
}

const STATE_CLASS: Record<TimelineItem['state'], string> = { ok: 'ok', failed: 'bad', running: '', waiting: 'muted', canceled: 'muted', info: '' };

function row(item: TimelineItem): Html {
  const kind = item.kind === 'step' ? (item.local ? 'local step' : 'step') : item.kind === 'run' ? '' : item.kind;
  const timing = [
    item.attempts && item.attempts > 1 ? `${item.attempts} attempts` : item.attempts === 1 && item.kind === 'step' ? '1 attempt' : '',
    item.waitMs !== undefined ? `waited ${span(item.waitMs)}` : '',
    item.durationMs !== undefined ? (item.kind === 'timer' ? `for ${span(item.durationMs)}` : `took ${span(item.durationMs)}`) : '',
  ].filter(Boolean).join(' · ');
  return html`<tr class="tl-${item.kind}" data-state="${item.state}"><td>${item.at ? item.at.slice(11, 23) : ''}</td>
    <td><strong>${item.name}</strong>${kind ? html` <span class="muted">${kind}</span>` : ''}${item.activity ? html` <code>${item.activity}</code>` : ''}</td>
    <td class="${STATE_CLASS[item.state]}">${item.state}</td><td>${timing}</td>
    <td>${item.effect ? html`<span class="effect">${item.effect}</span>` : ''}${item.detail ? html`<span class="muted">${item.effect ? ' · ' : ''}${item.detail}</span>` : ''}</td></tr>`;
}

/** `traceUrl` turns a trace id into a link (the trace backend's UI), when tracing is set up. */
export function timelineSection(timeline: Timeline, traceUrl?: (traceId: string) => string): Html {
  const trace = timeline.traceId
    ? html`<p id="trace">Trace <code>${timeline.traceId}</code>${traceUrl ? html` · <a href="${traceUrl(timeline.traceId)}" class="trace-link">open the trace</a>` : ''}</p>`
    : '';
  const runs = timeline.runs.map((run) => html`<tr class="tl-head"><th colspan="5">${run.replayOf ? 'replay ' : ''}run of <code>${run.flow}</code> · <code>${run.workflowId}</code> (<a href="${run.link}" class="history-link">its history</a>) · <span class="${run.status === 'COMPLETED' ? 'ok' : /FAILED|TERMINATED|TIMED_OUT|CANCELED/.test(run.status) ? 'bad' : ''}">${run.status}</span>${run.error ? html` <span class="muted">(${run.error})</span>` : ''}</th></tr>
    ${run.items.map(row)}`);
  return html`<section id="timeline"><h2>Timeline</h2>${trace}<table><thead><tr><th>Time (UTC)</th><th>What</th><th>State</th><th>Attempts, waits, durations</th><th>Effect</th></tr></thead>
    <tbody>${timeline.items.map(row)}${runs}</tbody></table></section>`;
}
