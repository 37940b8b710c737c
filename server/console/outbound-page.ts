// Outbound webhooks in the console: each destination with its breaker state, the latest
// deliveries, and one delivery with every attempt it made (status, time, error, the answer's first
// bytes). Reads and actions go through the admin API's functions (server/admin/outbound), so the
// page shows what `hookflow destinations|outbound` shows.
import type { OutboundAdmin } from '../admin';
import { type Html, html, query, when } from './html';
import { postForm } from './layout';

export const outboundHref = (id: string) => `/console/outbound/${encodeURIComponent(id)}`;
export const destinationHref = (name: string) => `/console/destinations/${encodeURIComponent(name)}`;

const STATUSES = ['pending', 'delivered', 'failed'] as const;
type Status = (typeof STATUSES)[number];
const STATE_CLASS: Record<string, string> = { active: 'ok', paused: 'bad', disabled: 'bad' };

type Destination = Awaited<ReturnType<OutboundAdmin['listDestinations']>>[number];

function destinationRow(d: Destination, failed: number, csrf: string): Html {
  const toggle = d.state === 'active' ? postForm(`${destinationHref(d.name)}/pause`, csrf, 'Pause') : postForm(`${destinationHref(d.name)}/resume`, csrf, 'Resume');
  const last = d.lastAttempt;
  return html`<tr data-destination="${d.name}"><td><a href="/console/outbound${query({ destination: d.name })}">${d.name}</a><div class="muted"><code>${d.url}</code></div></td>
    <td>${d.events.join(', ')}</td><td class="state ${STATE_CLASS[d.state] ?? ''}">${d.state}${d.reason ? html`<div class="muted">${d.reason}</div>` : ''}</td>
    <td class="consecutive">${d.consecutiveFailures}</td><td>${d.failures} of ${d.attempts}</td>
    <td>${last ? html`${when(last.at)}<div>${last.status ?? last.error ?? ''}${last.status !== undefined && last.error ? html` · ${last.error}` : ''}</div>` : html`<span class="muted">never</span>`}</td>
    <td>${toggle} ${failed ? postForm(`${destinationHref(d.name)}/retry-failed`, csrf, `Retry ${failed} failed`) : ''}</td></tr>`;
}

export async function outboundPage(api: OutboundAdmin, q: Record<string, unknown>, csrf: string): Promise<Html> {
  const destination = typeof q.destination === 'string' && q.destination ? q.destination : undefined;
  const status = typeof q.status === 'string' && (STATUSES as readonly string[]).includes(q.status) ? (q.status as Status) : undefined;
  const destinations = await api.listDestinations();
  // "Retry all failed" needs the count; showDestination has it (the same counts the CLI prints).
  const failed = new Map(await Promise.all(destinations.map(async (d) => [d.name, (await api.showDestination(d.name)).deliveries.failed ?? 0] as const)));
  const deliveries = await api.list({ destination, status, limit: 100 });
  const rows = deliveries.map((r) => html`<tr data-delivery="${r.id}"><td><a href="${outboundHref(r.id)}">${r.messageId}</a></td><td>${r.destination}</td><td>${r.type}</td>
    <td class="status ${r.status === 'failed' ? 'bad' : r.status === 'delivered' ? 'ok' : ''}">${r.status}</td><td>${r.attempts}${r.retries ? html` <span class="muted">(${r.retries} retried)</span>` : ''}</td>
    <td>${r.lastStatus ?? ''}</td><td>${r.reason ?? ''}</td><td>${when(r.updatedAt)}</td></tr>`);
  const choice = html`<label>status<select name="status"><option value="">any</option>${STATUSES.map((s) => html`<option ${s === status ? html`selected` : ''}>${s}</option>`)}</select></label>`;
  const names = html`<label>destination<select name="destination"><option value="">any</option>${destinations.map((d) => html`<option ${d.name === destination ? html`selected` : ''}>${d.name}</option>`)}</select></label>`;
  return html`<section><h2>Destinations</h2><table id="destinations"><thead><tr><th>Destination</th><th>Events</th><th>State</th><th>Failures in a row</th><th>Failed attempts</th><th>Last attempt</th><th></th></tr></thead>
    <tbody>${destinations.length ? destinations.map((d) => destinationRow(d, failed.get(d.name) ?? 0, csrf)) : html`<tr><td colspan="7" class="muted">No destinations (destinations/*.yaml).</td></tr>`}</tbody></table></section>
    <section><h2>Deliveries</h2><form class="filters" method="get" action="/console/outbound">${names}${choice}<button>Filter</button></form>
    <table id="deliveries"><thead><tr><th>Message</th><th>Destination</th><th>Type</th><th>Status</th><th>Attempts</th><th>Last answer</th><th>Reason</th><th>Updated</th></tr></thead>
    <tbody>${rows.length ? rows : html`<tr><td colspan="8" class="muted">No outbound deliveries${destination || status ? ' match' : ''}.</td></tr>`}</tbody></table></section>`;
}

/** One delivery: its message, state and every attempt with the answer. */
export async function outboundDeliveryPage(api: OutboundAdmin, id: string, csrf: string): Promise<{ title: string; body: Html }> {
  const r = await api.show(id);
  const attempts = r.attemptLog.map((a, i) => html`<tr><td>${i + 1}</td><td>${when(a.at)}</td><td class="${a.status !== undefined && a.status < 300 ? 'ok' : 'bad'}">${a.status ?? ''}</td>
    <td>${a.ms} ms</td><td>${a.error ?? ''}</td><td>${a.response ? html`<code>${a.response}</code>` : ''}</td></tr>`);
  return {
    title: `Outbound ${r.message.type} to ${r.destination}`,
    body: html`<section><table><tr><th>Delivery</th><td><code>${r.id}</code></td></tr><tr><th>Destination</th><td><a href="/console/outbound${query({ destination: r.destination })}">${r.destination}</a></td></tr>
      <tr><th>Status</th><td id="status" class="${r.status === 'failed' ? 'bad' : r.status === 'delivered' ? 'ok' : ''}">${r.status}${r.reason ? html` · ${r.reason}` : ''}</td></tr>
      <tr><th>Attempts</th><td>${r.attempts}${r.retries ? ` (${r.retries} operator retries)` : ''}</td></tr><tr><th>Workflow</th><td><code>${r.workflowId}</code></td></tr>
      <tr><th>Created</th><td>${when(r.createdAt)}</td></tr><tr><th>Updated</th><td>${when(r.updatedAt)}</td></tr></table>
      ${r.status === 'failed' ? html`<p>${postForm(`${outboundHref(r.id)}/retry`, csrf, 'Retry this delivery')} <span class="muted">same webhook-id; resume a paused or disabled destination first</span></p>` : ''}
      ${r.status === 'pending' ? html`<meta http-equiv="refresh" content="2">` : ''}</section>
      <section><h2>Attempts</h2><table id="attempts"><thead><tr><th>#</th><th>At</th><th>Status</th><th>Latency</th><th>Error</th><th>Answer</th></tr></thead>
      <tbody>${attempts.length ? attempts : html`<tr><td colspan="6" class="muted">No attempt was made (the destination was paused or disabled).</td></tr>`}</tbody></table></section>
      <section><h2>Message</h2><pre>${JSON.stringify(r.message, null, 2)}</pre></section>`,
  };
}
