// Compares what two sets of flow definitions would do with one event (engine/what-if.ts): flows
// that start or no longer start, steps added, removed or now skipped, arguments that differ, the
// outcome. Each change has a key, "<flow>/<step label>/<what>", that an allow-list matches
// (allowedBy). Pure.
import type { FlowDefinition, FlowEvent } from './types';
import { type RecordedRun, type SimulatedCall, type Simulation, simulate } from './what-if';

export interface Change {
  /** "<flow>/<label>/args.<path>", "<flow>/<label>/added", "…/removed", "…/skipped", "…/unskipped", "…/uses", "<flow>/starts", "<flow>/outcome". */
  key: string;
  /** One line a person reads. */
  text: string;
  allowed?: boolean;
}

export interface FlowDiff {
  flow: string;
  /** Versions compared: the baseline's and the candidate's (absent where the flow is not in that set). */
  from?: string;
  to?: string;
  changes: Change[];
  /** Calls that used null for want of a recorded output (in either run). */
  unknownOutputs: string[];
}

export interface EventDiff {
  event: Pick<FlowEvent, 'id' | 'type' | 'source' | 'receivedAt'>;
  /** Every flow compared for this event, changed or not. */
  flows: FlowDiff[];
}

const MAX_ARG_CHANGES = 20;
const MAX_VALUE_CHARS = 120;

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

/** Paths where two JSON values differ, with both values. */
export function valueDiffs(a: unknown, b: unknown, path = '', out: { path: string; from: unknown; to: unknown }[] = []): { path: string; from: unknown; to: unknown }[] {
  if (out.length >= MAX_ARG_CHANGES) return out;
  const objects = a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!objects) {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path: path || '(all)', from: a, to: b });
    return out;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])];
  for (const k of keys) valueDiffs(ao[k], bo[k], Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k, out);
  return out;
}

const stepOf = (label: string) => label.replace(/(\[\d+\])?(#\d+)?(\.compensate)?$/, '');

function compareRuns(flow: string, base: Simulation, cand: Simulation): Change[] {
  const changes: Change[] = [];
  const key = (label: string, what: string) => `${flow}/${label}/${what}`;
  const byLabel = (calls: SimulatedCall[]) => new Map(calls.map((c) => [c.label, c]));
  const before = byLabel(base.calls);
  const after = byLabel(cand.calls);
  for (const c of base.calls) {
    if (after.has(c.label)) continue;
    const nowSkipped = cand.skipped.includes(stepOf(c.label)) && !base.skipped.includes(stepOf(c.label));
    changes.push(nowSkipped
      ? { key: key(c.label, 'skipped'), text: `⊘ ${c.label} (${c.uses}) now skipped: its if is false` }
      : { key: key(c.label, 'removed'), text: `- ${c.label} (${c.uses}) no longer runs` });
  }
  for (const c of cand.calls) {
    const was = before.get(c.label);
    if (!was) {
      const wasSkipped = base.skipped.includes(stepOf(c.label)) && !cand.skipped.includes(stepOf(c.label));
      changes.push(wasSkipped
        ? { key: key(c.label, 'unskipped'), text: `+ ${c.label} (${c.uses}) runs now: its if was false` }
        : { key: key(c.label, 'added'), text: `+ ${c.label} (${c.uses}) added, with ${show(c.args)}` });
      continue;
    }
    if (was.uses !== c.uses) changes.push({ key: key(c.label, 'uses'), text: `~ ${c.label} uses ${c.uses}, was ${was.uses}` });
    for (const d of valueDiffs(was.args, c.args)) changes.push({ key: key(c.label, `args.${d.path}`), text: `~ ${c.label} (${c.uses}) ${d.path}: ${show(d.from)} → ${show(d.to)}` });
  }
  if (base.outcome !== cand.outcome) changes.push({ key: `${flow}/outcome`, text: `outcome: ${base.outcome} → ${cand.outcome}` });
  return changes;
}

function compareFlow(name: string, base: Simulation | undefined, cand: Simulation | undefined): Change[] {
  const startKey = `${name}/starts`;
  const baseStarts = !!base?.start.starts;
  const candStarts = !!cand?.start.starts;
  if (!baseStarts && !candStarts) return [];
  if (baseStarts && !candStarts) {
    const why = !cand ? 'the flow is not in the candidate' : cand.start.starts ? '' : cand.start.why;
    return [{ key: startKey, text: `would no longer start: ${why}; it ran ${base!.calls.length} step call(s), ${base!.outcome}` }];
  }
  if (!baseStarts && candStarts) {
    const why = !base ? 'a new flow' : base.start.starts ? '' : `before, ${base.start.why}`;
    return [{ key: startKey, text: `would start now (${why}): ${cand!.calls.map((c) => c.label).join(', ') || 'no step'}, ${cand!.outcome}` }];
  }
  return compareRuns(name, base!, cand!);
}

/**
 * Runs the event through both sets (only the flows named in `only`, when given) and compares.
 * `recorded` holds the original runs' step outcomes by flow name: both sides use them.
 */
export async function whatIf(o: { baseline: FlowDefinition[]; candidate: FlowDefinition[]; event: FlowEvent; recorded?: RecordedRun[]; only?: string[] }): Promise<EventDiff> {
  const names = [...new Set([...o.baseline, ...o.candidate].map((f) => f.name))]
    .filter((n) => !o.only?.length || o.only.includes(n))
    .sort();
  const flows: FlowDiff[] = [];
  for (const name of names) {
    const recorded = o.recorded?.find((r) => r.flow === name);
    const b = o.baseline.find((f) => f.name === name);
    const c = o.candidate.find((f) => f.name === name);
    const base = b && (await simulate(b, o.event, recorded));
    const cand = c && (await simulate(c, o.event, recorded));
    if (!base?.start.starts && !cand?.start.starts) continue; // neither would run it: nothing to compare
    flows.push({
      flow: name, from: b?.version, to: c?.version, changes: compareFlow(name, base, cand),
      unknownOutputs: [...new Set([...(base?.unknownOutputs ?? []), ...(cand?.unknownOutputs ?? [])])],
    });
  }
  const { id, type, source, receivedAt } = o.event;
  return { event: { id, type, source, receivedAt }, flows };
}

/** An allow-list entry: a change key, with * for any run of characters ("payment-succeeded/email-customer/args.*"). */
export function allowPattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.trim().split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Marks the changes an allow-list covers; returns how many it does not. */
export function applyAllowList(diff: EventDiff, patterns: RegExp[]): number {
  let open = 0;
  for (const f of diff.flows) {
    for (const c of f.changes) {
      c.allowed = patterns.some((p) => p.test(c.key));
      if (!c.allowed) open++;
    }
  }
  return open;
}

/** The diff of one event as lines (the CLI prints them, the console shows them); without detail, argument changes are one line per step. */
export function diffLines(diff: EventDiff, detail = true): string[] {
  const lines: string[] = [];
  for (const f of diff.flows) {
    if (!f.changes.length) continue;
    const versions = f.from && f.to ? (f.from === f.to ? `version ${f.from}` : `${f.from} → ${f.to}`) : f.from ? `${f.from}, not in the candidate` : `new, ${f.to}`;
    lines.push(`  ${f.flow} (${versions})`);
    const argsOf = new Map<string, Change[]>();
    for (const c of f.changes) {
      const step = /^[^/]+\/(.+)\/args\./.exec(c.key)?.[1];
      if (step && !detail) {
        if (!argsOf.has(step)) lines.push(`    ~ ${step}`); // filled in below, in order
        argsOf.set(step, [...(argsOf.get(step) ?? []), c]);
        continue;
      }
      lines.push(`    ${c.text}${c.allowed ? '  (allowed)' : ''}`);
    }
    for (const [step, changes] of argsOf) {
      const at = lines.indexOf(`    ~ ${step}`);
      const paths = changes.map((c) => c.key.slice(c.key.indexOf('/args.') + 6));
      lines[at] = `    ~ ${step}: ${paths.length} argument(s) differ (${paths.join(', ')})${changes.every((c) => c.allowed) ? '  (allowed)' : ''}`;
    }
    if (f.unknownOutputs.length) lines.push(`    (no recorded output for ${f.unknownOutputs.join(', ')}: null used)`);
  }
  return lines;
}
