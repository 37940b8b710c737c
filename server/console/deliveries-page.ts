// The deliveries list (the admin API's filters plus a text search in the body, newest first,
// paged) and the page of one event: its body, every delivery of it, its runs and relay state.
import type { DeliveryRecord } from '../deliveries';
import { listDeliveries, showDelivery } from '../admin';
import { type DeliveryFilter, FILTER_PARAMS, PAGE_PARAMS, parseDeliveryFilter, parsePage, rejectUnknown } from '../admin';
import type { ReplayContext } from '../admin';
import { type Html, html, query, when } from './html';
import { postForm } from './layout';
import { deliveryTimeline } from '../admin';
import { filterField } from './filter-pickers';
import { timelineSection } from './timeline';
import { tryHref } from './try-page';

type Query = Record<string, string | string[] | undefined>;
const SHOWN_FILTERS: [keyof DeliveryFilter & string, string][] = [
  ['source', 'Source'], ['eventType', 'Event type'], ['outcome', 'Outcome'], ['reason', 'Reason'], ['flow', 'Flow'], ['since', 'Since'], ['until', 'Until'], ['q', 'Body contains'],
];
/** Bodies longer than this are folded (opened with a click). */
const FOLD_CHARS = 2000;
const MAX_RELATED = 100;

export const deliveryHref = (id: string) => `/console/deliveries/${encodeURIComponent(id)}`;

function outcomeOf(d: { outcome: string; reason?: string; start?: { state: string } }): Html {
  const cls = d.outcome === 'rejected' || d.start?.state === 'failed' ? 'bad' : d.outcome === 'accepted' ? 'ok' : '';
  return html`<span class="${cls}">${d.outcome}${d.reason ? ` (${d.reason})` : ''}${d.start ? ` · start ${d.start.state}` : ''}</span>`;
}

/** `sources`: the names the source picker offers (the loaded ones). */
export async function deliveriesPage(ctx: ReplayContext, raw: Query, sources: string[] = []): Promise<Html> {
  rejectUnknown(raw, [...FILTER_PARAMS, ...PAGE_PARAMS]);
  const typed = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
  const list = await listDeliveries(ctx, parseDeliveryFilter(raw), parsePage({ ...raw, limit: raw.limit ?? '50' }));
  const filters = html`<form class="filters" method="get" action="/console/deliveries">${SHOWN_FILTERS.map(([name, label]) => filterField(name, label, typed[name], sources))}
    <button>Filter</button> <a href="/console/deliveries">clear</a></form>`;
  const rows = list.items.map((d) => html`<tr>
    <td>${when(d.receivedAt)}</td><td>${d.source}</td><td>${d.eventType ?? ''}</td>
    <td><a href="${deliveryHref(d._id)}">${d.eventId ?? d._id}</a></td><td>${outcomeOf(d)}</td><td>${d.status}</td>
    <td>${d.runs.map((r) => r.flow).join(', ')}</td></tr>`);
  const next = list.nextCursor ? html`<p><a href="/console/deliveries${query({ ...typed, cursor: list.nextCursor })}" rel="next">Older →</a></p>` : '';
  return html`${filters}<table><thead><tr><th>Received</th><th>Source</th><th>Event type</th><th>Event</th><th>Outcome</th><th>HTTP</th><th>Flows</th></tr></thead>
    <tbody>${rows.length ? rows : html`<tr><td colspan="7" class="muted">No deliveries match.</td></tr>`}</tbody></table>${next}`;
}

/** JSON bodies indented; anything else as stored. Long ones folded. */
function bodyBlock(record: DeliveryRecord): Html {
  const body = record.body;
  if (!body) return html`<p class="muted">No body stored.</p>`;
  let text = body.text;
  if (body.encoding === 'utf8' && !body.truncated) {
    try { text = JSON.stringify(JSON.parse(body.text), null, 2); } catch { /* not JSON: shown as received */ }
  }
  const note = html`<p class="muted">${body.bytes} bytes${body.encoding === 'base64' ? ', shown as base64' : ''}${body.truncated ? ', only the start was kept' : ''}</p>`;
  const pre = html`<pre id="body">${text}</pre>`;
  return text.length > FOLD_CHARS ? html`${note}<details><summary>Show the body (${text.length} characters)</summary>${pre}</details>` : html`${note}${pre}`;
}

function relayBlock(record: DeliveryRecord): Html {
  const r = record.relay;
  if (!r) return html`<p class="muted">No runs to start (${record.outcome}).</p>`;
  return html`<table><tr><th>State</th><td class="${r.state === 'failed' ? 'bad' : ''}">${r.state}${r.failedReason ? ` (${r.failedReason})` : ''}</td></tr>
    <tr><th>Start attempts</th><td>${r.attempts}</td></tr>
    ${r.startedAt ? html`<tr><th>Started</th><td>${when(r.startedAt)}</td></tr>` : ''}
    ${r.state === 'pending' ? html`<tr><th>Next attempt</th><td>${when(r.nextAttemptAt)}</td></tr>` : ''}
    ${r.lastError ? html`<tr><th>Last error</th><td>${r.lastError}</td></tr>` : ''}</table>`;
}

export async function eventPage(ctx: ReplayContext, id: string, csrf: string, traceUrl?: (traceId: string) => string): Promise<{ title: string; body: Html } | undefined> {
  const record = await ctx.deliveries.findOne({ _id: id });
  if (!record) return undefined;
  const original = record.originalId ? (await ctx.deliveries.findOne({ _id: record.originalId })) ?? record : record;
  const related = original.eventId
    ? await ctx.deliveries.find({ source: original.source, eventId: original.eventId }, { projection: { body: 0 } }).sort({ receivedAt: 1 }).limit(MAX_RELATED).toArray()
    : [original];
  const [shown, timeline] = await Promise.all([showDelivery(ctx, original._id), deliveryTimeline(ctx, id)]);
  const deliveries = related.map((d) => html`<tr class="${d._id === id ? 'on' : ''}">
    <td>${when(d.receivedAt)}</td><td><a href="${deliveryHref(d._id)}">${d._id}</a></td><td>${outcomeOf(d)}</td><td>${d.status}</td>
    <td>${d.message ?? ''}</td><td>${d.remoteAddress ?? ''}</td><td><code>${d.requestId ?? ''}</code></td></tr>`);
  const runs = (shown?.runs ?? []).map((r) => html`<tr><td>${r.flow}</td><td><a href="${r.link}" class="run-link">${r.workflowId}</a></td>
    <td class="${/FAILED|TERMINATED|TIMED_OUT|CANCELED/.test(r.status) ? 'bad' : r.status === 'COMPLETED' ? 'ok' : ''}">${r.status}</td>
    <td>${r.replayOf ? html`replay of <code>${r.replayOf}</code> ${when(r.replayedAt)}` : 'first run'}</td></tr>`);
  const replayable = original.outcome === 'accepted' || original.outcome === 'ignored';
  return {
    title: `${original.source} · ${original.eventType ?? 'unknown type'} · ${original.eventId ?? original._id}`,
    body: html`
    <section><h2>Deliveries of this event</h2><table><thead><tr><th>Received</th><th>Delivery</th><th>Outcome</th><th>HTTP</th><th>Message</th><th>Address</th><th>Request id</th></tr></thead><tbody>${deliveries}</tbody></table></section>
    <section><h2>Runs</h2>${runs.length ? html`<table><thead><tr><th>Flow</th><th>Workflow (Temporal UI)</th><th>Status</th><th></th></tr></thead><tbody>${runs}</tbody></table>` : html`<p class="muted">No runs.</p>`}
      ${replayable ? html`<p>${postForm(`${deliveryHref(original._id)}/replay`, csrf, 'Replay this event')} <span class="muted">runs the matching flows again as they are now</span></p>` : ''}
      ${replayable ? html`<p><a href="${tryHref(original._id)}" id="try-on-disk">Try against the flows on disk</a> <span class="muted">what they would do differently, without effects</span></p>` : ''}</section>
    ${timeline ? timelineSection(timeline, traceUrl) : ''}
    <section><h2>Relay</h2>${relayBlock(original)}</section>
    <section><h2>Body</h2>${bodyBlock(original)}</section>`,
  };
}
