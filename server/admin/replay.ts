// Replay: run a stored event again through the flows as they are now. Every replay is a new run
// whose workflow id extends the original's (":replay:<n>"), linked back in its memo (replayOf)
// and recorded on the delivery, so nothing is overwritten and the lineage stays visible.
import { HookflowError } from '../../lib/errors';
import { selectFlows } from '../../lib/flow/select';
import type { FlowDefinition, FlowEvent } from '../../lib/flow/types';
import { type DeliveryRecord, type ReplayRecord, bodyBytes } from '../../lib/deliveries/record';
import { parseJsonBody } from '../json-body';
import { type PlannedRun, type RunStarter, planRuns } from '../start-runs';
import type { AdminContext } from './deliveries';

export interface ReplayContext extends AdminContext {
  flows: () => FlowDefinition[];
  startRuns: RunStarter;
}

export class NotReplayableError extends HookflowError {
  constructor(message: string) { super('not_replayable', 409, message); }
}

export class DeliveryNotFoundError extends HookflowError {
  constructor(id: string) { super('delivery_not_found', 404, `no delivery with id "${id.slice(0, 200)}"`); }
}

/** Replay numbers tried per run before giving up (each taken number is a replay started meanwhile). */
const MAX_NUMBER_TRIES = 20;

/** The event as the flows first saw it, rebuilt from the stored record. */
export function eventOf(record: DeliveryRecord): FlowEvent {
  if (record.outcome === 'rejected') {
    throw new NotReplayableError(`delivery ${record._id} was rejected (${record.reason ?? 'no reason'}: ${record.message ?? ''}); a rejected event never ran and cannot be replayed — have the provider send it again`);
  }
  if (!record.body || record.body.truncated || !record.eventId || !record.eventType) {
    throw new NotReplayableError(`delivery ${record._id} has no complete stored body to replay`);
  }
  return { id: record.eventId, type: record.eventType, source: record.source, receivedAt: record.receivedAt.toISOString(), body: parseJsonBody(bodyBytes(record.body)) };
}

export const replayWorkflowId = (original: string, n: number) => `${original}:replay:${n}`;

export interface ReplayOptions {
  /** Only these flows (by name); default every current flow the event matches. */
  flows?: string[];
  jobId?: string;
}

export async function replayDelivery(ctx: ReplayContext, id: string, opts: ReplayOptions = {}): Promise<ReplayRecord & { deliveryId: string }> {
  let record = await ctx.deliveries.findOne({ _id: id });
  if (!record) throw new DeliveryNotFoundError(id);
  // A duplicate delivery carries no event of its own: replay the delivery it duplicated.
  if (record.outcome === 'duplicate' && record.originalId) {
    const originalId = record.originalId;
    record = await ctx.deliveries.findOne({ _id: originalId });
    if (!record) throw new NotReplayableError(`delivery ${id} duplicated ${originalId}, which is no longer stored`);
  }
  const event = eventOf(record);
  const matching = await selectFlows(ctx.flows(), event);
  const flows = opts.flows ? matching.filter((f) => opts.flows!.includes(f.name)) : matching;
  if (flows.length === 0) {
    throw new NotReplayableError(`no current flow${opts.flows ? ` named ${opts.flows.join(' or ')}` : ''} handles ${event.type} from ${event.source} (with its trigger filter)`);
  }
  const correlated = flows.filter((f) => f.correlation).map((f) => f.name);
  if (correlated.length > 0) {
    // Its runs live on signals keyed by correlation: a lone replayed event would wait for a
    // trigger or callbacks that go to the original run.
    throw new NotReplayableError(`flow ${correlated.join(', ')} correlates events by key; replay is not supported for correlated flows yet (pick other flows with "flows")`);
  }
  // An entity-keyed event is replayed as its own run (outside the entity's queue).
  const originals = (await planRuns(flows, event)).map((p): PlannedRun => ({ flow: p.flow, workflowId: p.route?.eventWorkflowId ?? p.workflowId }));
  const first = (record.replays?.length ?? 0) + 1;
  const runs = await Promise.all(originals.map((p) => startNumbered(ctx, p, event, first)));
  const replay: ReplayRecord = { at: new Date(), runs, ...(opts.jobId && { jobId: opts.jobId }) };
  await ctx.deliveries.updateOne({ _id: record._id }, { $push: { replays: replay } });
  return { deliveryId: record._id, ...replay };
}

/** Starts `<original>:replay:<n>` with the first n not taken: Temporal's unique workflow id settles races. */
async function startNumbered(ctx: ReplayContext, original: PlannedRun, event: FlowEvent, first: number): Promise<ReplayRecord['runs'][number]> {
  for (let n = first; n < first + MAX_NUMBER_TRIES; n++) {
    const planned: PlannedRun = { flow: original.flow, workflowId: replayWorkflowId(original.workflowId, n), replayOf: original.workflowId };
    const [started] = await ctx.startRuns([planned], event);
    if (!started.duplicate) return { flow: started.flow, workflowId: started.workflowId, runId: started.runId, replayOf: original.workflowId };
  }
  throw new HookflowError('replay_conflict', 409, `replays ${first} to ${first + MAX_NUMBER_TRIES - 1} of ${original.workflowId} all exist; try again`);
}
