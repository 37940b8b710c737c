// Replay: run a stored event again through the flows as they are now. Every replay is a new
// run whose workflow id extends the original's (":replay-<time>"), linked back in its memo and
// recorded on the delivery, so nothing is overwritten and the lineage stays visible.
import { randomUUID } from 'node:crypto';
import { HookflowError } from '../../lib/errors';
import { selectFlows } from '../../lib/flow/select';
import type { FlowDefinition, FlowEvent } from '../../lib/flow/types';
import type { DeliveryRecord, RecordedRun } from '../../lib/deliveries/record';
import { planRuns, type RunStarter } from '../start-runs';
import type { AdminContext } from './deliveries';

export interface ReplayContext extends AdminContext {
  flows: () => FlowDefinition[];
  startRuns: RunStarter;
}

export class NotReplayableError extends HookflowError {
  constructor(message: string) { super('not_replayable', 409, message); }
}

export interface ReplayRecord {
  at: Date;
  runs: RecordedRun[];
  jobId?: string;
}

/** The event as the flows first saw it, rebuilt from the stored record. */
export function eventOf(record: DeliveryRecord): FlowEvent {
  if (record.outcome !== 'accepted' && record.outcome !== 'ignored') {
    throw new NotReplayableError(`delivery ${record._id} was ${record.outcome}${record.reason ? ` (${record.reason})` : ''}: only accepted or ignored events can be replayed`);
  }
  if (!record.body || record.body.truncated || record.body.encoding !== 'utf8' || !record.eventId || !record.eventType) {
    throw new NotReplayableError(`delivery ${record._id} has no complete stored body to replay`);
  }
  return { id: record.eventId, type: record.eventType, source: record.source, receivedAt: record.receivedAt.toISOString(), body: JSON.parse(record.body.text) };
}

function replaySuffix(now: Date): string {
  return `replay-${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z-${randomUUID().slice(0, 4)}`;
}

export async function replayDelivery(ctx: ReplayContext, id: string, opts: { flow?: string; jobId?: string; now?: Date } = {}): Promise<RecordedRun[]> {
  const record = await ctx.deliveries.findOne({ _id: id });
  if (!record) throw new HookflowError('delivery_not_found', 404, `no delivery with id "${id}"`);
  const event = eventOf(record);
  const flows = (await selectFlows(ctx.flows(), event)).filter((f) => !opts.flow || f.name === opts.flow);
  if (flows.length === 0) throw new NotReplayableError(`no current flow${opts.flow ? ` named ${opts.flow}` : ''} handles ${event.type} from ${event.source}`);
  const suffix = replaySuffix(opts.now ?? new Date());
  const planned = (await planRuns(flows, event)).map((p) => ({ ...p, workflowId: `${p.workflowId}:${suffix}`, replayOf: p.workflowId }));
  const started = await ctx.startRuns(planned, event);
  const runs = started.map(({ flow, workflowId, runId }) => ({ flow, workflowId, runId }));
  const replay: ReplayRecord = { at: new Date(), runs, jobId: opts.jobId };
  await ctx.deliveries.updateOne({ _id: id }, { $push: { replays: replay } } as never);
  return runs;
}
