// hookflow replay: one delivery, or every delivery matching a filter, against the current flows.
import { adminClient } from '../admin-client';
import { parseArgs, stringOption } from '../args';
import type { Command } from '../main';

interface Job { _id: string; state: string; total: number; done: number; failed: number; errors: { deliveryId: string; message: string }[] }

const FILTERS = ['source', 'type', 'flow', 'status', 'outcome', 'since', 'until'];

export const replayCommand: Command = {
  name: 'replay',
  summary: 'Replay one delivery, or all matching a filter (e.g. failed runs of a flow since 09:00), as new runs.',
  usage: `hookflow replay DELIVERY_ID [--flow F]
       hookflow replay --flow F --status failed --since 09:00 [--dry-run] [--source S] [--type T] [--until ...]
  (talks to the ingress: HOOKFLOW_URL, HOOKFLOW_ADMIN_TOKEN; Ctrl-C during a bulk replay stops the job)`,
  async run(args) {
    const parsed = parseArgs(args, ['dry-run', 'json']);
    const api = adminClient(parsed);
    const [id] = parsed.positional;
    if (id) {
      const res = await api.post<{ runs: { flow: string; workflowId: string }[] }>(`/admin/deliveries/${encodeURIComponent(id)}/replay`, { flow: stringOption(parsed, 'flow') });
      for (const r of res.runs) console.log(`started ${r.workflowId} [${r.flow}]`);
      return 0;
    }
    const filter: Record<string, string | boolean | undefined> = {};
    for (const f of FILTERS) filter[f === 'type' ? 'eventType' : f] = stringOption(parsed, f);
    if (!Object.values(filter).some(Boolean)) {
      console.error(`replay needs a delivery id or at least one filter\nusage: ${this.usage}`);
      return 2;
    }
    if (parsed.options['dry-run']) {
      const plan = await api.post<{ matched: number; sample: string[] }>('/admin/replays', { ...filter, dryRun: true });
      console.log(`${plan.matched} deliveries would be replayed${plan.sample.length ? `, e.g.\n  ${plan.sample.join('\n  ')}` : ''}`);
      return 0;
    }
    let job = await api.post<Job>('/admin/replays', filter);
    console.log(`replay job ${job._id}: ${job.total} deliveries`);
    let interrupted = false;
    const onInterrupt = () => { interrupted = true; };
    process.once('SIGINT', onInterrupt);
    try {
      while (job.state === 'running') {
        if (interrupted) job = await api.post<Job>(`/admin/replays/${job._id}/stop`);
        await new Promise((r) => setTimeout(r, 500));
        job = await api.get<Job>(`/admin/replays/${job._id}`);
        process.stderr.write(`\r  ${job.done}/${job.total} replayed, ${job.failed} failed`);
      }
    } finally {
      process.off('SIGINT', onInterrupt);
    }
    process.stderr.write('\n');
    for (const e of job.errors) console.log(`  failed ${e.deliveryId}: ${e.message}`);
    console.log(`job ${job.state}: ${job.done - job.failed} replayed, ${job.failed} failed, ${job.total - job.done} not done`);
    return job.failed > 0 || job.state !== 'finished' ? 1 : 0;
  },
};
