// hookflow issues list|show|ack|resolve|ignore|reopen|replay: failures grouped, as the admin API has them.
import { adminClient } from '../admin-client';
import { UsageError, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { type Job, followJob } from './replay';

interface Issue {
  id: string; kind: string; title: string; count: number; firstSeen: string; lastSeen: string; status: string;
  sample: { deliveryId?: string; workflowId?: string; message: string };
  /** What to do (destination issues: resume it, retry what failed). */
  todo?: string[];
}

const STATUS_OF: Record<string, string> = { ack: 'acknowledged', resolve: 'resolved', ignore: 'ignored', reopen: 'open' };
const when = (iso: string) => iso.slice(0, 19).replace('T', ' ');

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export const issuesCommand: Command = {
  name: 'issues',
  summary: 'Failures grouped (rejections by source and reason, failed runs by flow, step and error type, outbound destinations paused or disabled): list, show, set a status, replay.',
  usage: `hookflow issues list [--status open|acknowledged|resolved|ignored] [--kind rejection|run_failed|reconciliation_exhausted|destination] [--json]
       hookflow issues show ISSUE_ID [--json]
       hookflow issues ack|resolve|ignore|reopen ISSUE_ID
       hookflow issues replay ISSUE_ID [--dry-run]

  A resolved issue opens again when its failure recurs; an ignored one stays ignored.
  replay: the events of the issue's failed runs, through a bulk replay job (progress on stderr,
  Ctrl-C stops it); --dry-run tells how many. Rejected requests cannot be replayed.
  A destination issue says what to do: resume it, retry its failed deliveries (hookflow outbound).
  Talks to the admin listener: HOOKFLOW_ADMIN_URL / --url, HOOKFLOW_ADMIN_TOKEN / --token.
Exit: 0 ok, 1 the request failed or a replay failed, 2 usage.`,
  async run(args) {
    const parsed = parseArgs(args, ['json', 'dry-run']);
    const [action, id, ...extra] = parsed.positional;
    if (extra.length) throw new UsageError(this.usage);
    const json = (v: unknown) => console.log(JSON.stringify(v, null, 2));
    if (action === 'list' && !id) {
      const res = await adminClient(parsed).get<{ issues: Issue[] }>('/admin/issues', { status: stringOption(parsed, 'status'), kind: stringOption(parsed, 'kind') });
      if (parsed.options.json) return json(res), 0;
      const rows = res.issues.map((i) => [i.id, i.status, String(i.count), when(i.lastSeen), i.title]);
      console.log(rows.length ? table(['id', 'status', 'count', 'last seen (UTC)', 'what'], rows) : 'no issues');
      const todo = res.issues.filter((i) => i.todo?.length && i.status !== 'resolved');
      if (todo.length) console.log(`\nto do:\n${todo.flatMap((i) => i.todo!.map((t) => `  ${i.id}  ${t}`)).join('\n')}`);
      return 0;
    }
    if (!id) throw new UsageError(this.usage);
    const path = `/admin/issues/${encodeURIComponent(id)}`;
    if (action === 'show') {
      const issue = await adminClient(parsed).get<Issue & { deliveries: { deliveryId: string; eventId?: string; at: string }[] }>(path);
      if (parsed.options.json) return json(issue), 0;
      console.log(`${issue.id} [${issue.status}] ${issue.title}`);
      console.log(`  ${issue.count} times, first ${when(issue.firstSeen)}, last ${when(issue.lastSeen)} (UTC)`);
      console.log(`  sample: ${issue.sample.message}${issue.sample.deliveryId ? `\n  delivery ${issue.sample.deliveryId}` : ''}${issue.sample.workflowId ? `\n  run ${issue.sample.workflowId}` : ''}`);
      for (const t of issue.todo ?? []) console.log(`  to do: ${t}`);
      for (const d of issue.deliveries) console.log(`  ${when(d.at)}  ${d.deliveryId}${d.eventId ? `  event ${d.eventId}` : ''}`);
      return 0;
    }
    if (action && STATUS_OF[action]) {
      const issue = await adminClient(parsed).post<Issue>(`${path}/status`, { status: STATUS_OF[action] });
      console.log(`${issue.id} is ${issue.status}: ${issue.title}`);
      return 0;
    }
    if (action === 'replay') {
      const api = adminClient(parsed);
      if (parsed.options['dry-run']) {
        const plan = await api.post<{ total: number; missing: number }>(`${path}/replay`, { dryRun: true });
        console.log(`dry run: ${plan.total} event(s) would be replayed${plan.missing ? `; ${plan.missing} failed run(s) have no stored delivery any more` : ''}`);
        return 0;
      }
      return followJob(api, await api.post<Job>(`${path}/replay`, {}));
    }
    throw new UsageError(this.usage);
  },
};
