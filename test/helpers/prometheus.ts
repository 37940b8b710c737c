// Reads samples out of Prometheus text exposition, for tests that compare counters before and after.

export type Labels = Record<string, string>;

/** The value of the first sample named `name` whose labels include `labels`; 0 when there is none. */
export function sample(text: string, name: string, labels: Labels = {}): number {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = parseLabels(m[2] ?? '');
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

function parseLabels(raw: string): Labels {
  const out: Labels = {};
  for (const m of raw.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]] = m[2].replace(/\\(.)/g, '$1');
  return out;
}

/** Scrapes `url` and returns a reader of its samples. */
export async function scrape(url: string): Promise<(name: string, labels?: Labels) => number> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  const text = await res.text();
  return (name, labels) => sample(text, name, labels);
}
