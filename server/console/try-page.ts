// "Try against the flows on disk": what the flows as this ingress has them now (it reloads them
// from disk) would do with one stored event, compared with what its runs executed (the definition
// each run carried, read from Temporal), both without effects and with the step outputs the runs
// recorded: the diff `hookflow replay --candidate` prints (engine/what-if-diff.ts).
import type { Definitions } from '../../definitions/definitions';
import type { FlowDefinition } from '../../engine/types';
import { diffLines, whatIf } from '../../engine/what-if-diff';
import { type ReplayContext, recordedEvent } from '../admin';
import { type Html, html } from './html';

export const tryHref = (deliveryId: string) => `/console/deliveries/${encodeURIComponent(deliveryId)}/try`;

export async function tryPage(admin: ReplayContext, id: string, definitions: Definitions): Promise<{ title: string; body: Html } | undefined> {
  const record = await admin.deliveries.findOne({ _id: id });
  if (!record) return undefined;
  const original = record.originalId ? (await admin.deliveries.findOne({ _id: record.originalId })) ?? record : record;
  const back = html`<p><a href="/console/deliveries/${encodeURIComponent(original._id)}">← the event</a></p>`;
  const title = `Try ${original.source} · ${original.eventType ?? 'unknown type'} · ${original.eventId ?? original._id} against the flows on disk`;
  const recorded = await recordedEvent(admin.client, original);
  if (!recorded) return { title, body: html`${back}<p class="bad">This delivery holds no complete stored event to try.</p>` };

  // As it ran: the definition each run executed where Temporal still has it, else the one loaded now.
  const now = definitions.flows;
  const ran = new Map(recorded.runs.flatMap((r) => (r.ran ? [[r.flow, r.ran] as [string, FlowDefinition]] : [])));
  const baseline = [...now.map((f) => ran.get(f.name) ?? f), ...[...ran.values()].filter((f) => !now.some((n) => n.name === f.name))];
  const diff = await whatIf({ baseline, candidate: now, event: recorded.event, recorded: recorded.runs });
  const lines = diffLines(diff);
  const rows = diff.flows.map((f) => {
    const run = recorded.runs.find((r) => r.flow === f.flow);
    return html`<tr><td>${f.flow}</td><td>${run ? `${run.status ?? '?'}${run.ran ? '' : ' (its definition is no longer in Temporal: the one loaded now stands for it)'}` : 'did not run'}</td>
      <td><code>${f.from ?? '–'}</code> → <code>${f.to ?? '–'}</code></td><td class="${f.changes.length ? 'bad' : 'ok'}">${f.changes.length ? `${f.changes.length} change(s)` : 'same'}</td></tr>`;
  });
  return {
    title,
    body: html`${back}
    <p class="muted">Each flow runs the event twice without effects (nothing is called, written or sent): as its run executed it, and as the flows on disk are now (this ingress reloads them when a file changes). Steps get the outputs the run recorded; null where it recorded none. The same comparison for many events: <code>hookflow replay --candidate FLOWS_DIR --since …</code>.</p>
    ${rows.length ? html`<table><thead><tr><th>Flow</th><th>Its run</th><th>Version as run → on disk</th><th></th></tr></thead><tbody>${rows}</tbody></table>` : html`<p class="muted">No flow starts on this event, as it ran or on disk.</p>`}
    <section><h2>What would change</h2>${lines.length ? html`<pre id="what-if">${lines.join('\n')}</pre>` : html`<p class="ok" id="what-if">Nothing would change.</p>`}</section>`,
  };
}
