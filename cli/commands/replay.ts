// hookflow replay: one delivery, or every delivery matching a filter, against the current flows.
import { type AdminClient, adminClient } from '../admin-client';
import { UsageError, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { filterQuery } from './deliveries';
import { CANDIDATE_USAGE, replayCandidate } from './replay-candidate';

export interface Job { _id: string; state: string; total: number; done: number; failed: number; errors: { deliveryId: string; message: string }[] }

const BULK_FILTERS = ['flow', 'status', 'source', 'type', 'event-id', 'outcome', 'since', 'until'];
const POLL_MS = 500;

export const replayCommand: Command = {
  name: 'replay',
  summary: 'Replay one delivery, or all matching a filter (e.g. failed runs of a flow since 09:00), as new linked runs.',
  usage: `hookflow replay DELIVERY_ID [--flow F]
       hookflow replay --flow F --status failed --since 09:00 [--dry-run] [--source S] [--type T] [--until ...]

  One delivery: new runs "<workflow id>:replay:<n>" of the current flow version (only flow F with --flow).
  Effects are not done twice: a replay's steps keep the original run's idempotency keys, so what
  the original applied (a stock change, an email) is recognised and skipped, and only the steps it
  did not finish (or that the current flow added) do work. There is no flag to redo effects.
  Each run is recorded as it starts: if a start fails, running the same command again continues
  that replay (only the flows without a run start, under the same n).
  A correlated flow (correlation:) runs its key again under the same workflow id, once its run failed.
  Bulk: --status failed|timedout|terminated|canceled|completed|running selects runs by their status in
  Temporal (only those flows are replayed); without it, accepted deliveries matching the filters.
  --dry-run tells how many would be replayed. Progress goes to stderr; Ctrl-C stops the job (the
  deliveries being replayed at that moment finish).
  Talks to the admin listener: HOOKFLOW_ADMIN_URL / --url, HOOKFLOW_ADMIN_TOKEN / --token.
  Times (--since, --until): HH:MM local time today, 2026-12-06T09:00 (local), …+01:00 or …Z, or 7d / 12h ago.
Exit: 0 every replay started, 1 a replay failed, the job was stopped or the request was refused, 2 usage.

Try a change first, without effects:
       ${CANDIDATE_USAGE}`,
  async run(args) {
    const parsed = parseArgs(args, ['dry-run', 'json', 'diff']);
    if (parsed.options.candidate !== undefined) return replayCandidate(parsed, args);
    const [id, ...extra] = parsed.positional;
    if (extra.length) throw new UsageError(this.usage);
    if (id) {
      const res = await adminClient(parsed).post<{ deliveryId: string; continued: boolean; runs: { flow: string; workflowId: string; replayOf: string }[] }>(
        `/admin/deliveries/${encodeURIComponent(id)}/replay`, { flow: stringOption(parsed, 'flow') });
      if (parsed.options.json) console.log(JSON.stringify(res, null, 2));
      else {
        // A continued replay lists its earlier runs too: together they are the replay.
        if (res.continued) console.log('continued an unfinished replay (a start had failed); its runs:');
        for (const r of res.runs) console.log(`${res.continued ? 'run' : 'started'} ${r.workflowId} [${r.flow}], replay of ${r.replayOf}`);
      }
      return 0;
    }
    const filter = filterQuery(parsed, BULK_FILTERS);
    if (!Object.values(filter).some(Boolean)) throw new UsageError(`replay needs a delivery id or at least one filter\nusage: ${this.usage}`);
    const api = adminClient(parsed);
    if (parsed.options['dry-run']) {
      const plan = await api.post<{ matched: number; sample: string[] }>('/admin/replays', { ...filter, dryRun: true });
      console.log(`dry run: ${plan.matched} deliveries would be replayed${plan.sample.length ? `, e.g.\n  ${plan.sample.join('\n  ')}` : ''}`);
      return 0;
    }
    return followJob(api, await api.post<Job>('/admin/replays', filter));
  },
};

/** Shows a bulk replay job's progress until it ends; Ctrl-C asks it to stop. The exit code. */
export async function followJob(api: AdminClient, started: Job): Promise<number> {
  let job = started;
  let interrupted = false;
  const onInterrupt = () => { interrupted = true; };
  // Listening before saying so: a Ctrl-C right after the line must stop the job, not kill the CLI.
  process.on('SIGINT', onInterrupt);
  console.log(`replay job ${job._id}: ${job.total} deliveries (Ctrl-C stops it)`);
  try {
    let stopSent = false;
    while (job.state === 'running') {
      if (interrupted && !stopSent) {
        stopSent = true;
        process.stderr.write('\nstopping: the deliveries in progress finish first…\n');
        await api.post<Job>(`/admin/replays/${job._id}/stop`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
      job = await api.get<Job>(`/admin/replays/${job._id}`);
      process.stderr.write(`\r  ${job.done}/${job.total} replayed, ${job.failed} failed`);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  process.stderr.write('\n');
  for (const e of job.errors) console.error(`  failed ${e.deliveryId}: ${e.message}`);
  console.log(`job ${job.state}: ${job.done - job.failed} replayed, ${job.failed} failed, ${job.total - job.done} not reached`);
  return job.failed > 0 || job.state !== 'finished' ? 1 : 0;
}
