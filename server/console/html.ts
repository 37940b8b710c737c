// HTML built by a tagged template that escapes every interpolated value, so text from a payload,
// a header or a file never becomes markup. Only fragments made by `html` itself pass unescaped.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export class Html {
  constructor(readonly text: string) {}
  toString(): string { return this.text; }
}

export type Value = Html | string | number | boolean | null | undefined | Date | Value[];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value instanceof Date) return escapeHtml(value.toISOString());
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0];
  values.forEach((v, i) => { out += render(v) + strings[i + 1]; });
  return new Html(out);
}

/** A query string from the set values; every part percent-encoded (and escaped where it lands in HTML). */
export function query(params: Record<string, string | undefined>): string {
  const set = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '');
  return set.length ? `?${new URLSearchParams(set).toString()}` : '';
}

/** "3 min ago" style ages for a person scanning a list; the exact time is in the title. */
export function when(date: Date | string | undefined, now = new Date()): Html {
  if (!date) return html`<span class="muted">–</span>`;
  const d = new Date(date);
  const s = Math.round((now.getTime() - d.getTime()) / 1000);
  const ago = s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86_400 ? `${Math.round(s / 3600)} h ago` : `${Math.round(s / 86_400)} d ago`;
  return html`<time datetime="${d}" title="${d}">${d.toISOString().replace('T', ' ').slice(0, 19)} <span class="muted">(${ago})</span></time>`;
}
