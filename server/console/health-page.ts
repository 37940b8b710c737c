// Health as an operator reads it: the relay's backlog and its oldest pending event, and whether
// Temporal and MongoDB answer (the same checks as /readyz), and the workers (worker-health.ts).
import type { Collection } from 'mongodb';
import { type ReadinessCheck, readiness } from '../../lib/health';
import type { DeliveryRecord } from '../deliveries';
import { type Html, html } from './html';
import { deliveryHref } from './deliveries-page';
import { type WorkerHealthSource, workersSection } from './worker-health';

export async function healthPage(deps: { checks: ReadinessCheck[]; deliveries: Collection<DeliveryRecord>; workers?: WorkerHealthSource; now?: Date }): Promise<Html> {
  const now = deps.now ?? new Date();
  const [report, workers] = await Promise.all([readiness(deps.checks), workersSection(deps.workers, now)]);
  const pending = { 'relay.state': 'pending' as const };
  const backlog = await Promise.all([
    deps.deliveries.countDocuments(pending),
    deps.deliveries.find(pending, { projection: { body: 0 } }).sort({ receivedAt: 1 }).limit(1).next(),
  ]).catch((err: Error) => err);
  const checks = Object.entries(report.checks).map(([name, c]) => html`<tr><td>${name}</td><td class="${c.ok ? 'ok' : 'bad'}">${c.ok ? 'reachable' : 'NOT reachable'}</td><td>${c.error ?? ''}</td></tr>`);
  const relay = backlog instanceof Error
    ? html`<p class="bad">The delivery store did not answer: ${backlog.message}</p>`
    : html`<table><tr><th>Events waiting to start</th><td id="backlog">${backlog[0]}</td></tr>
      <tr><th>Oldest pending</th><td>${backlog[1] ? html`<a href="${deliveryHref(backlog[1]._id)}">${backlog[1]._id}</a>, ${Math.round((now.getTime() - backlog[1].receivedAt.getTime()) / 1000)} s old, ${backlog[1].relay?.attempts ?? 0} attempt(s)${backlog[1].relay?.lastError ? `: ${backlog[1].relay.lastError}` : ''}` : html`<span class="muted">none</span>`}</td></tr></table>`;
  return html`<section><h2>Dependencies</h2><table><thead><tr><th>Service</th><th>State</th><th>Error</th></tr></thead><tbody>${checks}</tbody></table></section>
    ${workers}
    <section><h2>Relay</h2>${relay}</section>`;
}
