// hookflow destinations list|show|test|pause|resume: outbound webhook destinations, as the admin API has them.
import { adminClient } from '../admin-client';
import { UsageError, parseArgs } from '../args';
import type { Command } from '../command';
import { table } from './outbound';

interface Destination { name: string; events: string[]; url: string; state: string; reason?: string; consecutiveFailures: number; attempts: number; failures: number }

export const destinationsCommand: Command = {
  name: 'destinations',
  summary: 'Outbound webhook destinations (destinations/*.yaml): list, show, send a test delivery, pause, resume.',
  usage: `hookflow destinations list [--json]
       hookflow destinations show NAME [--json]
       hookflow destinations test NAME       a hookflow.test delivery to it (see it with hookflow outbound show ID)
       hookflow destinations pause NAME      deliveries wait until it is resumed
       hookflow destinations resume NAME     active again, also after the breaker disabled it

  Failed deliveries are retried with hookflow outbound retry.
  Talks to the admin listener: HOOKFLOW_ADMIN_URL / --url, HOOKFLOW_ADMIN_TOKEN / --token.
Exit: 0 ok, 1 the request failed, 2 usage.`,
  async run(args) {
    const parsed = parseArgs(args, ['json']);
    const [action, name, ...extra] = parsed.positional;
    if (extra.length) throw new UsageError(this.usage);
    const client = adminClient(parsed);
    const json = (v: unknown) => console.log(JSON.stringify(v, null, 2));
    if (action === 'list' && !name) {
      const res = await client.get<{ destinations: Destination[] }>('/admin/destinations');
      if (parsed.options.json) return json(res), 0;
      const rows = res.destinations.map((d) => [d.name, d.state, String(d.consecutiveFailures), `${d.failures}/${d.attempts}`, d.events.join(','), d.url]);
      console.log(rows.length ? table(['name', 'state', 'failing', 'failed/attempts', 'events', 'url'], rows) : 'no destinations (destinations/*.yaml)');
      return 0;
    }
    if (!name || !['show', 'test', 'pause', 'resume'].includes(action ?? '')) throw new UsageError(this.usage);
    const path = `/admin/destinations/${encodeURIComponent(name)}`;
    if (action === 'test') {
      const res = await client.post<{ id: string; workflowId: string }>(`${path}/test`);
      console.log(`test delivery ${res.id} started (run ${res.workflowId}); hookflow outbound show ${res.id}`);
      return 0;
    }
    const d = action === 'show' ? await client.get<Destination & Record<string, unknown>>(path) : await client.post<Destination & Record<string, unknown>>(`${path}/${action}`);
    if (parsed.options.json) return json(d), 0;
    console.log(`${d.name} [${d.state}]${d.reason ? ` ${d.reason}` : ''}\n  url ${d.url}\n  events ${d.events.join(', ')}\n  ${d.consecutiveFailures} failing in a row, ${d.failures} failed of ${d.attempts} attempts`);
    if (d.deliveries) console.log(`  deliveries ${Object.entries(d.deliveries as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    for (const e of (d.history as { at: string; kind: string; reason: string }[] | undefined) ?? []) console.log(`  ${e.at.slice(0, 19).replace('T', ' ')}  ${e.kind}  ${e.reason}`);
    return 0;
  },
};
