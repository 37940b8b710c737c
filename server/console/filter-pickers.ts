// The deliveries filters: select lists where the values are known (the loaded sources, the
// outcomes the admin API filters by), free text for the rest.
import { OUTCOMES } from '../admin';
import { type Html, html } from './html';

const OUTCOME_LABELS: Record<string, string> = {
  pending: 'pending (not started yet)', failed: 'failed (never started)', rate_limited: 'rate_limited (dropped)',
};

function select(name: string, label: string, value: string | undefined, options: readonly string[], labels: Record<string, string> = {}): Html {
  // A value typed into the URL that is not listed stays selectable, so the filter shown is the one applied.
  const all = value && !options.includes(value) ? [...options, value] : options;
  return html`<label>${label}<select name="${name}"><option value="">any</option>${all.map((o) => html`<option value="${o}" ${o === value ? html`selected` : ''}>${labels[o] ?? o}</option>`)}</select></label>`;
}

export function filterField(name: string, label: string, value: string | undefined, sources: readonly string[]): Html {
  if (name === 'source') return select(name, label, value, [...sources].sort());
  if (name === 'outcome') return select(name, label, value, OUTCOMES, OUTCOME_LABELS);
  return html`<label>${label}<input name="${name}" value="${value ?? ''}" ${name === 'since' || name === 'until' ? html`placeholder="2026-12-06T09:00Z or …+01:00"` : ''}></label>`;
}
