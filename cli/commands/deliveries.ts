// hookflow deliveries list|show|rejections: what arrived, what was refused and why, what became of it.
import { adminClient } from '../admin-client';
import { UsageError, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { type Timeline, timelineText } from './deliveries-timeline';
import { TIME_FORMS, parseCliTime } from '../times';

/** CLI option → admin API parameter. */
export const FILTER_OPTIONS: Record<string, string> = {
  source: 'source', type: 'eventType', 'event-id': 'eventId', outcome: 'outcome', reason: 'reason', flow: 'flow', since: 'since', until: 'until',
};

/** The admin API's query; --since / --until typed in local time (cli/times.ts) go as exact instants. */
export function filterQuery(parsed: ReturnType<typeof parseArgs>, options: string[], now = new Date()): Record<string, string | undefined> {
  return Object.fromEntries(options.map((o) => {
    const value = stringOption(parsed, o);
    return [FILTER_OPTIONS[o] ?? o, value !== undefined && (o === 'since' || o === 'until') ? parseCliTime(value, o, now).toISOString() : value];
  }));
}

interface Run { flow: string; workflowId: string; status?: string; link?: string; replayOf?: string; jobId?: string; queueWorkflowId?: string; absorbed?: { as: string } }
interface Summary {
  _id: string; source: string; eventId?: string; eventType?: string; receivedAt: string; outcome: string; status: number;
  reason?: string; message?: string; runs: Run[]; violations?: { path: string; message: string }[];
  /** An accepted event whose runs are not started yet (pending) or never will be (failed). */
  start?: { state: 'pending' | 'failed'; reason?: string; message?: string; attempts?: number; lastError?: string };
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

const when = (iso: string) => iso.slice(0, 19).replace('T', ' ');

export const deliveriesCommand: Command = {
  name: 'deliveries',
  summary: 'List deliveries with filters, show one with its runs (status in Temporal, UI links), or rejections by reason.',
  usage: `hookflow deliveries list [--event-id ID] [--source S] [--type T] [--outcome accepted|duplicate|ignored|handshake|rejected|rate_limited|pending|failed]
                         [--reason CODE] [--flow F] [--since 09:00|7d|ISO] [--until ...] [--limit N] [--cursor C] [--json]
       hookflow deliveries show DELIVERY_ID [--timeline] [--json]
       hookflow deliveries rejections [--source S] [--since ...] [--until ...] [--json]

  --timeline: received → stored → started → each run's steps with attempts, waits, durations, timers and effects.
  Times: ${TIME_FORMS}; a time in the future is refused. Lists show times in UTC. Talks to the admin listener: HOOKFLOW_ADMIN_URL / --url, HOOKFLOW_ADMIN_TOKEN / --token.
Exit: 0 ok, 1 the request failed (e.g. 404 unknown delivery, 401 wrong token), 2 usage.`,
  async run(args) {
    const parsed = parseArgs(args, ['json', 'timeline']);
    const [action, id, ...extra] = parsed.positional;
    const json = (v: unknown) => console.log(JSON.stringify(v, null, 2));
    if (extra.length) throw new UsageError(this.usage);
    if (action === 'list' && !id) {
      const page = await adminClient(parsed).get<{ items: Summary[]; nextCursor?: string }>('/admin/deliveries', filterQuery(parsed, [...Object.keys(FILTER_OPTIONS), 'limit', 'cursor']));
      if (parsed.options.json) return json(page), 0;
      const rows = page.items.map((d) => [when(d.receivedAt), d.source, d.eventType ?? '-', d.eventId ?? '-', `${d.outcome} ${d.status}${d.start ? ` ${d.start.state}` : ''}`, d.reason ?? d.start?.reason ?? d.runs.map((r) => r.flow).join(','), d._id]);
      console.log(rows.length ? table(['received (UTC)', 'source', 'type', 'event id', 'outcome', 'reason / flows', 'delivery id'], rows) : 'no deliveries match');
      if (page.nextCursor) console.log(`\nmore: add --cursor ${page.nextCursor}`);
      return 0;
    }
    if (action === 'show' && id && parsed.options.timeline) {
      const t = await adminClient(parsed).get<Timeline>(`/admin/deliveries/${encodeURIComponent(id)}/timeline`);
      console.log(parsed.options.json ? JSON.stringify(t, null, 2) : timelineText(t));
      return 0;
    }
    if (action === 'show' && id) {
      const d = await adminClient(parsed).get<Summary>(`/admin/deliveries/${encodeURIComponent(id)}`);
      if (parsed.options.json) return json(d), 0;
      console.log(`delivery ${d._id}: ${d.outcome} (HTTP ${d.status})${d.reason ? ` — ${d.reason}: ${d.message ?? ''}` : ''}`);
      console.log(`  event ${d.eventId ?? '?'} ${d.eventType ?? '?'} from ${d.source}, received ${d.receivedAt}`);
      for (const v of d.violations ?? []) console.log(`  violation ${v.path}: ${v.message}`);
      if (d.start?.state === 'failed') console.log(`  runs not started, never will be (${d.start.reason}): ${d.start.message ?? ''}\n  fix the cause, then replay it (hookflow replay ${d._id})`);
      if (d.start?.state === 'pending') console.log(`  runs not started yet (${d.start.attempts} attempts)${d.start.lastError ? `: ${d.start.lastError}` : ''}; the relay retries`);
      if (!d.runs.length && d.outcome !== 'rejected') console.log('  no runs');
      for (const r of d.runs) {
        console.log(`  ${r.replayOf ? 'replay' : 'run'}  ${r.status ?? '?'}  ${r.flow}  ${r.workflowId}${r.absorbed ? `  (${r.absorbed.as}: ran inside this run, collected by ${r.queueWorkflowId})` : r.queueWorkflowId ? `  (in the queue of ${r.queueWorkflowId})` : ''}${r.jobId ? `  (bulk job ${r.jobId})` : ''}`);
        if (r.link) console.log(`        ${r.link}`);
      }
      return 0;
    }
    if (action === 'rejections' && !id) {
      const res = await adminClient(parsed).get<{ groups: { source: string; reason: string; count: number; lastAt: string; lastMessage?: string; lastDeliveryId?: string }[] }>('/admin/rejections', filterQuery(parsed, ['source', 'since', 'until']));
      if (parsed.options.json) return json(res), 0;
      const rows = res.groups.map((g) => [String(g.count), g.source, g.reason, when(g.lastAt), g.lastMessage ?? '', g.lastDeliveryId ?? '-']);
      console.log(rows.length ? table(['count', 'source', 'reason', 'last (UTC)', 'last message', 'last delivery id'], rows) : 'no rejections');
      return 0;
    }
    throw new UsageError(this.usage);
  },
};
