// Flows and sources as the ingress has them loaded now: each flow's version hash, trigger and
// controls, the last reload's result with its problems (file:line:col); each source's scheme,
// secrets that expire soon and its last delivery.
import type { Collection } from 'mongodb';
import type { Definitions } from '../../definitions/definitions';
import type { ReloadReport } from '../../definitions/definition-store';
import type { FlowDefinition } from '../../engine/types';
import type { DeliveryRecord } from '../deliveries';
import { type Html, html, query, when } from './html';
import { deliveryHref } from './deliveries-page';

/** A secret expiring within this is flagged. */
const EXPIRES_SOON_MS = 14 * 86_400_000;

function trigger(flow: FlowDefinition): Html {
  const t = flow.trigger;
  if (t.schedule) return html`schedule ${t.schedule.every ? `every ${t.schedule.every}` : ''}${t.schedule.cron ? `cron ${[t.schedule.cron].flat().join(' | ')}` : ''}`;
  return html`<code>${t.source}</code>: ${t.events.join(', ')}${t.filter ? html` <span class="muted">if</span> <code>${t.filter}</code>` : ''}`;
}

/** What shapes how a flow runs besides its steps. */
function controls(flow: FlowDefinition): Html {
  const items: Html[] = [];
  if (flow.correlation) items.push(html`<li>correlated by <code>${flow.correlation.key}</code></li>`);
  if (flow.entityKey) items.push(html`<li>one at a time per <code>${flow.entityKey}</code></li>`);
  if (flow.trigger.idempotencyKey) items.push(html`<li>idempotency key <code>${flow.trigger.idempotencyKey}</code></li>`);
  if (flow.trigger.schedule?.overlap) items.push(html`<li>overlap ${flow.trigger.schedule.overlap}</li>`);
  if (flow.onFailure?.length) items.push(html`<li>${flow.onFailure.length} step(s) on failure</li>`);
  items.push(html`<li>${flow.steps.length} step(s)</li>`);
  return html`<ul style="margin:0;padding-left:16px">${items}</ul>`;
}

function reload(last: ReloadReport | undefined): Html {
  if (!last) return html`<p class="muted">No reload since start-up (files change or SIGHUP reload them).</p>`;
  const problems = last.problems.map((p) => html`<li><code>${p.file}:${p.line}:${p.column}</code> ${p.message}${p.hint ? html` <span class="muted">hint: ${p.hint}</span>` : ''}</li>`);
  return html`<p class="${last.applied ? 'ok' : 'bad'}">${last.applied ? 'Applied' : 'Rejected'} ${when(last.at)} (${last.reason}): ${last.summary}</p>${problems.length ? html`<ul>${problems}</ul>` : ''}`;
}

export async function flowsPage(deps: { definitions: Definitions; lastReload?: ReloadReport; deliveries: Collection<DeliveryRecord>; now?: Date }): Promise<Html> {
  const now = deps.now ?? new Date();
  const flows = deps.definitions.flows.map((f) => html`<tr><td><a href="/console/deliveries${query({ flow: f.name })}">${f.name}</a>${f.description ? html`<div class="muted">${f.description}</div>` : ''}</td>
    <td><code>${f.version}</code></td><td>${trigger(f)}</td><td>${controls(f)}</td></tr>`);
  const sources = await Promise.all([...deps.definitions.sources.values()].map(async (s) => {
    const last = await deps.deliveries.find({ source: s.name }, { projection: { body: 0 } }).sort({ receivedAt: -1 }).limit(1).next();
    const soon = s.verify.secrets.filter((x) => x.expiresAt && x.expiresAt.getTime() - now.getTime() < EXPIRES_SOON_MS);
    return html`<tr><td><a href="/console/deliveries${query({ source: s.name })}">${s.name}</a></td><td>${s.verify.scheme}</td>
      <td>${s.verify.secrets.length}${soon.map((x) => html`<div class="bad">${x.ref} ${x.expiresAt!.getTime() < now.getTime() ? 'expired' : 'expires'} ${when(x.expiresAt, now)}</div>`)}</td>
      <td>${last ? html`<a href="${deliveryHref(last._id)}">${last.outcome}</a> ${when(last.receivedAt, now)}` : html`<span class="muted">none kept</span>`}</td></tr>`;
  }));
  const disabled = (deps.definitions.disabled ?? []).map((d) => html`<li><code>${d.name}</code>: off until ${d.missing.join(", ")} set${d.flows.length ? ` (flows waiting: ${d.flows.join(", ")})` : ""}</li>`);
  return html`<section><h2>Last reload</h2>${reload(deps.lastReload)}</section>
    <section><h2>Flows</h2><table><thead><tr><th>Flow</th><th>Version</th><th>Trigger</th><th>Controls</th></tr></thead><tbody>${flows}</tbody></table></section>
    <section><h2>Sources</h2><table><thead><tr><th>Source</th><th>Scheme</th><th>Secrets (expiring soon)</th><th>Last delivery</th></tr></thead><tbody>${sources}</tbody></table>
    ${disabled.length ? html`<h3>Sources off</h3><ul>${disabled}</ul>` : ''}</section>`;
}
