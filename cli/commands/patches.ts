// hookflow patches: the patch census. For each patch id workflow code may still ask about
// (engine/patches.ts), how many runs on a namespace carry its marker — open, and closed but
// retained (a reset or a query replays them) — and how many open runs of its workflow types do
// not, which is what decides when it may be deprecated and then removed (docs/flows.md
// "Retiring a patch"). Counted by Temporal's visibility: the SDK adds each marker a run records
// to its TemporalChangeVersion search attribute.
import { Client, Connection } from '@temporalio/client';
import { temporalConnectionSettings } from '../../lib/temporal-connection';
import { PATCHES, type PatchInfo } from '../../engine/patches';
import { UsageError, parseArgs, stringOption } from '../args';
import type { Command } from '../command';

export interface PatchCount {
  id: string;
  stage: PatchInfo['stage'];
  /** Open runs that recorded the marker: the patch cannot be removed while any is open. */
  open: number;
  /** Closed runs still retained that recorded it: removal waits for them to pass retention. */
  retained: number;
  /** Open runs of its workflow types without the marker (started before it, or, for a patch asked only when needed, not needing it yet). */
  openWithout: number;
  next: string;
}

const quote = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

export async function patchCensus(client: Client, startedBefore?: Date): Promise<PatchCount[]> {
  const count = async (query: string) => Number((await client.workflow.count(query)).count);
  return Promise.all(PATCHES.map(async (p): Promise<PatchCount> => {
    const marker = `TemporalChangeVersion = ${quote(p.id)}`;
    const types = `WorkflowType IN (${p.workflowTypes.map(quote).join(', ')}) AND ExecutionStatus = "Running"`;
    const before = startedBefore ? ` AND StartTime < ${quote(startedBefore.toISOString())}` : '';
    const [open, retained, ofTypes, ofTypesWith] = await Promise.all([
      count(`${marker} AND ExecutionStatus = "Running"`),
      count(`${marker} AND ExecutionStatus != "Running"`),
      count(`${types}${before}`),
      count(`${types}${before} AND ${marker}`),
    ]);
    const openWithout = ofTypes - ofTypesWith;
    const next = p.stage === 'deprecated'
      ? (open || retained ? `keep deprecatePatch: ${open} open, ${retained} retained runs carry it` : 'remove the deprecatePatch call and prune its recorded histories')
      : openWithout
        ? `keep patched: ${openWithout} open runs may replay without it`
        : p.asked === 'always' || startedBefore ? 'may become deprecatePatch' : 'may become deprecatePatch once no run open before its release is (--started-before RELEASE_TIME)';
    return { id: p.id, stage: p.stage, open, retained, openWithout, next };
  }));
}

export const patchesCommand: Command = {
  name: 'patches',
  summary: 'Patch census: open and retained runs per patch id on a namespace, and what each patch may become next.',
  usage: `hookflow patches [--namespace NS] [--address HOST:PORT] [--started-before TIME] [--json]

  Counts, through Temporal's visibility (the TemporalChangeVersion search attribute), for every
  patch id in engine/patches.ts: open runs that carry its marker, closed runs still retained that
  carry it, and open runs of its workflow types that do not (with --started-before, only those
  started before TIME, e.g. when the release that introduced the patch went out). The retirement
  procedure: docs/flows.md "Retiring a patch".
  Connects as the worker does: TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE
  (default "default"), TEMPORAL_TLS*, TEMPORAL_API_KEY.
Exit: 0 ok, 1 Temporal unreachable, 2 usage.`,
  async run(args) {
    const parsed = parseArgs(args, ['json']);
    if (parsed.positional.length) throw new UsageError(this.usage);
    const address = stringOption(parsed, 'address');
    const settings = temporalConnectionSettings(address ? { ...process.env, TEMPORAL_ADDRESS: address } : process.env);
    const namespace = stringOption(parsed, 'namespace') ?? (process.env.TEMPORAL_NAMESPACE || 'default');
    const since = stringOption(parsed, 'started-before');
    const startedBefore = since === undefined ? undefined : new Date(since);
    if (startedBefore && Number.isNaN(startedBefore.getTime())) throw new UsageError(`--started-before: not a time: ${since}`);
    const connection = await Connection.connect({ address: settings.address, tls: settings.tls, ...(settings.apiKey && { apiKey: settings.apiKey }) });
    try {
      const census = await patchCensus(new Client({ connection, namespace }), startedBefore);
      if (parsed.options.json) console.log(JSON.stringify({ namespace, patches: census }, null, 2));
      else console.log(table(namespace, census));
      return 0;
    } finally {
      await connection.close();
    }
  },
};

function table(namespace: string, census: PatchCount[]): string {
  const head = ['patch id', 'stage', 'open', 'retained', 'open without', 'next'];
  const rows = census.map((c) => [c.id, c.stage, String(c.open), String(c.retained), String(c.openWithout), c.next]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [`namespace ${namespace}`, ...[head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd())].join('\n');
}
