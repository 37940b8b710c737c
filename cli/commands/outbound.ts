// hookflow outbound list|show|retry: what went out to destinations, and retrying what failed.
import { adminClient } from '../admin-client';
import { type ParsedArgs, UsageError, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { TIME_FORMS, parseCliTime } from '../times';

interface Delivery { id: string; destination: string; type: string; status: string; attempts: number; retries: number; lastStatus?: number; reason?: string; updatedAt: string }

const when = (iso: string) => iso.slice(0, 19).replace('T', ' ');
/** --since as the other commands read it (local unless it names a zone), sent as an instant. */
const sinceOption = (parsed: ParsedArgs): string | undefined => {
  const since = stringOption(parsed, 'since');
  return since === undefined ? undefined : parseCliTime(since, 'since').toISOString();
};

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export const outboundCommand: Command = {
  name: 'outbound',
  summary: 'Outbound webhook deliveries: list them (by destination, status, time), show one with its attempts, retry failed ones.',
  usage: `hookflow outbound list [--destination NAME] [--status pending|delivered|failed] [--since TIME] [--limit N] [--json]
       hookflow outbound show ID [--json]
       hookflow outbound retry ID
       hookflow outbound retry --destination NAME [--since TIME] [--dry-run]
       hookflow outbound retry --since TIME [--dry-run]

  TIME: ${TIME_FORMS}. A retry sends the same
  message (same webhook-id) on the destination's schedule again; resume a disabled destination first.
  Talks to the admin listener: HOOKFLOW_ADMIN_URL / --url, HOOKFLOW_ADMIN_TOKEN / --token.
Exit: 0 ok, 1 the request failed, 2 usage.`,
  async run(args) {
    const parsed = parseArgs(args, ['json', 'dry-run']);
    const [action, id, ...extra] = parsed.positional;
    if (extra.length) throw new UsageError(this.usage);
    const client = adminClient(parsed);
    const json = (v: unknown) => console.log(JSON.stringify(v, null, 2));
    if (action === 'list' && !id) {
      const res = await client.get<{ deliveries: Delivery[] }>('/admin/outbound', {
        destination: stringOption(parsed, 'destination'), status: stringOption(parsed, 'status'), since: sinceOption(parsed), limit: stringOption(parsed, 'limit'),
      });
      if (parsed.options.json) return json(res), 0;
      const rows = res.deliveries.map((d) => [d.id, d.status, String(d.attempts), d.lastStatus === undefined ? '-' : String(d.lastStatus), when(d.updatedAt), d.type, d.reason ?? '']);
      console.log(rows.length ? table(['id', 'status', 'attempts', 'last', 'updated (UTC)', 'type', 'reason'], rows) : 'no deliveries');
      return 0;
    }
    if (action === 'show' && id) {
      const d = await client.get<Delivery & { message: unknown; attemptLog: { at: string; status?: number; error?: string; ms: number; response?: string }[] }>(`/admin/outbound/${encodeURIComponent(id)}`);
      if (parsed.options.json) return json(d), 0;
      console.log(`${d.id} [${d.status}] ${d.type} to ${d.destination}, ${d.attempts} attempt(s), ${d.retries} retr${d.retries === 1 ? 'y' : 'ies'}${d.reason ? `\n  ${d.reason}` : ''}`);
      console.log(`  message ${JSON.stringify(d.message)}`);
      for (const a of d.attemptLog) console.log(`  ${when(a.at)}  ${a.status ?? '---'}  ${a.ms} ms${a.error ? `  ${a.error}` : ''}${a.response ? `  ${a.response.slice(0, 120)}` : ''}`);
      return 0;
    }
    if (action === 'retry' && id) {
      const res = await client.post<{ id: string; workflowId: string }>(`/admin/outbound/${encodeURIComponent(id)}/retry`);
      console.log(`retrying ${res.id} (run ${res.workflowId})`);
      return 0;
    }
    if (action === 'retry') {
      const destination = stringOption(parsed, 'destination');
      const since = sinceOption(parsed);
      if (!destination && !since) throw new UsageError(this.usage);
      const res = await client.post<{ dryRun?: true; count?: number; retried?: number }>('/admin/outbound/retry', { destination, since, ...(parsed.options['dry-run'] && { dryRun: true }) });
      console.log(res.dryRun ? `${res.count} failed deliveries would be retried` : `retrying ${res.retried} failed deliveries`);
      return 0;
    }
    throw new UsageError(this.usage);
  },
};
