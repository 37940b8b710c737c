// hookflow replay --candidate DIR: what a changed set of flows would do with the events already
// received. Each stored event (with its original runs' recorded step outputs, from the admin API)
// goes through the ingress's current definitions and through the candidate's, both without
// effects (engine/what-if.ts); the differences are printed per event, then a summary. The exit
// code gates a deploy: 1 when a difference is not on the allow-list.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { loadConfig } from '../../lib/config';
import { DefinitionError } from '../../lib/errors';
import { loadDefinitions } from '../../definitions/definitions';
import type { FlowDefinition, FlowEvent } from '../../engine/types';
import type { RecordedRun } from '../../engine/what-if';
import { type EventDiff, allowPattern, applyAllowList, diffLines, whatIf } from '../../engine/what-if-diff';
import { adminClient } from '../admin-client';
import { type ParsedArgs, UsageError, stringOption } from '../args';
import { filterQuery } from './deliveries';
import { printProblems } from './definitions-for-cli';

interface RecordedEvent { deliveryId: string; event: FlowEvent; runs: RecordedRun[] }
const PAGE = 50;
const DEFAULT_LIMIT = 1000;

export const CANDIDATE_USAGE = `hookflow replay --candidate FLOWS_DIR --since TIME [--until TIME] [--flow F[,F]] [--source S] [--type T]
                [--diff] [--allow PATTERN|FILE]... [--limit N] [--json] [--sources DIR] [--schemas DIR]

  Runs the stored events (accepted or ignored) received in the window through the flows the ingress
  runs now and through the candidate's, without effects: nothing is called, written or sent. A step
  gets the output the event's original run recorded (its result in Temporal), null where there is none.
  Prints the events where something would change: flows that start or no longer start, steps added,
  removed or now skipped, arguments that differ, the outcome; --diff adds each change's detail.
  Each change has a key <flow>/<step>/<what> (e.g. payment-succeeded/email-customer/args.subject,
  payment-succeeded/decrement-inventory[0]/removed, payment-succeeded/starts, payment-succeeded/outcome);
  --allow takes such a pattern (* for any characters) or a file of them, one a line (# comments).
  Exit: 0 nothing differs beyond the allow-list, 1 something does (or a request failed), 2 usage.`;

/** Every --allow value: a file of patterns, or a pattern. */
function allowList(args: string[]): RegExp[] {
  const values = args.flatMap((a, i) => (a === '--allow' && args[i + 1] !== undefined ? [args[i + 1]] : a.startsWith('--allow=') ? [a.slice(8)] : []));
  return values.flatMap((v) => (existsSync(v) && statSync(v).isFile()
    ? readFileSync(v, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean)
    : [v])).map(allowPattern);
}

function loadCandidate(parsed: ParsedArgs, dir: string): FlowDefinition[] | undefined {
  if (!existsSync(dir)) throw new UsageError(`--candidate ${dir}: no such folder`);
  const config = loadConfig();
  try {
    // Secrets unchecked: nothing is called, and the ingress's own env says which flows are on.
    return loadDefinitions({ flowsDir: dir, sourcesDir: stringOption(parsed, 'sources') ?? config.sourcesDir, schemasDir: stringOption(parsed, 'schemas') ?? config.schemasDir }, 'unchecked').flows;
  } catch (err) {
    if (!(err instanceof DefinitionError)) throw err;
    printProblems(err);
    return undefined;
  }
}

export async function replayCandidate(parsed: ParsedArgs, args: string[]): Promise<number> {
  const dir = stringOption(parsed, 'candidate');
  if (!dir) throw new UsageError(CANDIDATE_USAGE);
  if (!stringOption(parsed, 'since')) throw new UsageError(`--candidate needs --since (which events to try)\nusage: ${CANDIDATE_USAGE}`);
  const limit = Number(stringOption(parsed, 'limit') ?? DEFAULT_LIMIT);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number of events, 1 or more');
  const only = (stringOption(parsed, 'flow') ?? '').split(',').map((f) => f.trim()).filter(Boolean);
  const query = filterQuery(parsed, ['source', 'type', 'since', 'until']);
  const allow = allowList(args);
  const loaded = loadCandidate(parsed, dir);
  if (!loaded) return 1;

  const api = adminClient(parsed);
  const current = await api.get<{ flows: FlowDefinition[]; off: string[] }>('/admin/flow-definitions');
  // A flow the ingress has off (a secret or required variable unset there) is off in the candidate too.
  const candidate = loaded.filter((f) => !current.off.includes(f.name));
  const unknown = only.filter((n) => ![...current.flows, ...candidate].some((f) => f.name === n));
  if (unknown.length) throw new UsageError(`--flow ${unknown.join(', ')}: neither the ingress nor the candidate has such a flow`);

  const json = !!parsed.options.json;
  const detail = !!parsed.options.diff;
  const diffs: EventDiff[] = [];
  const incomplete: string[] = [];
  let open = 0;
  let changedEvents = 0;
  let cursor: string | undefined;
  let more = false;
  do {
    const page = await api.get<{ items: RecordedEvent[]; incomplete: string[]; nextCursor?: string }>('/admin/recorded-events', { ...query, limit: String(Math.min(PAGE, limit - diffs.length)), cursor });
    incomplete.push(...page.incomplete);
    for (const item of page.items) {
      const diff = await whatIf({ baseline: current.flows, candidate, event: item.event, recorded: item.runs, only });
      open += applyAllowList(diff, allow);
      diffs.push(diff);
      const lines = diffLines(diff, detail);
      if (!lines.length) continue;
      changedEvents++;
      if (json) continue;
      const key = `${item.event.source}:${item.event.id}`;
      console.log(`${key}  ${item.event.type}  received ${item.event.receivedAt}${item.deliveryId === key ? '' : `  (delivery ${item.deliveryId})`}`);
      for (const line of lines) console.log(line);
    }
    cursor = page.nextCursor;
    more = !!cursor && diffs.length >= limit;
  } while (cursor && diffs.length < limit);

  const changes = diffs.flatMap((d) => d.flows.flatMap((f) => f.changes));
  const allowed = changes.filter((c) => c.allowed).length;
  if (json) {
    console.log(JSON.stringify({ events: diffs.length, changedEvents, changes: changes.length, allowed, notAllowed: open, incomplete, truncated: more, diffs: diffs.filter((d) => d.flows.some((f) => f.changes.length)) }, null, 2));
  } else {
    const flowsCompared = new Set(diffs.flatMap((d) => d.flows.map((f) => f.flow)));
    console.log(`${diffs.length ? '\n' : ''}${diffs.length} event(s) tried against ${dir} (${flowsCompared.size} flow(s) ran on them): ${changedEvents} would change, ${changes.length} change(s)${allowed ? `, ${allowed} allowed` : ''}; ${open ? `${open} not allowed` : 'nothing differs beyond the allow-list'}`);
    if (incomplete.length) console.log(`${incomplete.length} event(s) without a complete stored body were not tried: ${incomplete.slice(0, 5).join(', ')}${incomplete.length > 5 ? ', …' : ''}`);
    if (more) console.log(`stopped at --limit ${limit}: narrow --since/--until or raise --limit for the rest`);
  }
  return open ? 1 : 0;
}
