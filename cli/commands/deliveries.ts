// hookflow deliveries list|show: what arrived, what was refused and why, what became of it.
import { adminClient } from '../admin-client';
import { parseArgs, stringOption } from '../args';
import type { Command } from '../main';

const FILTERS = ['source', 'type', 'event-id', 'outcome', 'reason', 'flow', 'since', 'until', 'limit', 'cursor'];

interface Summary {
  _id: string; source: string; eventId?: string; eventType?: string; receivedAt: string; outcome: string; status: number; reason?: string;
  runs: { flow: string; workflowId: string }[];
}

function table(items: Summary[]): string {
  const rows = items.map((d) => [d.receivedAt.slice(0, 19).replace('T', ' '), d.source, d.eventType ?? '-', d.eventId ?? '-', `${d.outcome} ${d.status}`, d.reason ?? d.runs.map((r) => r.workflowId).join(' ') ?? '', d._id]);
  const head = ['received (UTC)', 'source', 'type', 'event id', 'outcome', 'reason / runs', 'delivery id'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export const deliveriesCommand: Command = {
  name: 'deliveries',
  summary: 'List deliveries with filters, or show one with its runs and their status in Temporal.',
  usage: `hookflow deliveries list [--source S] [--type T] [--event-id ID] [--outcome accepted|duplicate|ignored|rejected]
                         [--reason CODE] [--flow F] [--since 09:00|ISO] [--until ...] [--limit N] [--json]
       hookflow deliveries show DELIVERY_ID [--json]
  (talks to the ingress: HOOKFLOW_URL, HOOKFLOW_ADMIN_TOKEN)`,
  async run(args) {
    const parsed = parseArgs(args, ['json']);
    const [action, id] = parsed.positional;
    const api = adminClient(parsed);
    if (action === 'list') {
      const query: Record<string, string | undefined> = {};
      for (const f of FILTERS) query[f === 'type' ? 'eventType' : f === 'event-id' ? 'eventId' : f] = stringOption(parsed, f);
      const page = await api.get<{ items: Summary[]; nextCursor?: string }>('/admin/deliveries', query);
      if (parsed.options.json) console.log(JSON.stringify(page, null, 2));
      else {
        console.log(page.items.length ? table(page.items) : 'no deliveries match');
        if (page.nextCursor) console.log(`\nmore: add --cursor ${page.nextCursor}`);
      }
      return 0;
    }
    if (action === 'show' && id) {
      const d = await api.get<Summary & { runs: { flow: string; workflowId: string; status: string; link?: string }[]; message?: string }>(`/admin/deliveries/${encodeURIComponent(id)}`);
      if (parsed.options.json) console.log(JSON.stringify(d, null, 2));
      else {
        console.log(`${d._id}: ${d.outcome} (${d.status})${d.reason ? ` — ${d.reason}: ${d.message ?? ''}` : ''}`);
        console.log(`  ${d.source} ${d.eventType ?? '?'} ${d.eventId ?? '?'} received ${d.receivedAt}`);
        for (const r of d.runs) console.log(`  run ${r.workflowId} [${r.flow}] ${r.status}${r.link ? `\n      ${r.link}` : ''}`);
      }
      return 0;
    }
    console.error(`usage: ${this.usage}`);
    return 2;
  },
};
