// Replay: run a stored event again through the flows as they are now. Every replay is a new run
// whose workflow id extends the original's (":replay:<n>"), linked back in its memo (replayOf)
// and recorded on the delivery, so nothing is overwritten and the lineage stays visible.
// A correlated flow's run owns its key (callbacks are signalled to that workflow id), so its
// replay is a new run of the same workflow id, once the previous one has failed.
import { WorkflowNotFoundError } from '@temporalio/client';
import { HookflowError, UnavailableError } from '../../lib/errors';
import { selectFlows } from '../../engine/select';
import type { FlowDefinition, FlowEvent } from '../../engine/types';
import { type DeliveryRecord, type ReplayRecord, bodyBytes } from '../deliveries/record';
import { storedEventBody } from '../request-body';
import { type PlannedRun, type RunStarter, planRuns } from '../planned-runs';
import type { AdminContext } from './deliveries';
import { searchAttributes } from '../../engine/contract';

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
  return { id: record.eventId, type: record.eventType, source: record.source, receivedAt: record.receivedAt.toISOString(), body: storedEventBody(record, bodyBytes(record.body)) };
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
  const planned = await planRuns(flows, event);
  const keyed = planned.filter((p) => p.route?.kind === 'correlated');
  // Every refusal before anything starts: a replay is all of its flows or nothing.
  for (const p of keyed) await checkCorrelatedReplay(ctx, p, event);
  // An entity-keyed event is replayed as its own run (outside the entity's queue).
  const numbered = planned.filter((p) => p.route?.kind !== 'correlated').map((p): PlannedRun => ({ flow: p.flow, workflowId: p.route?.eventWorkflowId ?? p.workflowId }));
  const first = (record.replays?.length ?? 0) + 1;
  const runs = await Promise.all([
    ...numbered.map((p) => startNumbered(ctx, p, event, first)),
    ...keyed.map((p) => startCorrelated(ctx, p, event)),
  ]);
  const replay: ReplayRecord = { at: new Date(), runs, ...(opts.jobId && { jobId: opts.jobId }) };
  await ctx.deliveries.updateOne({ _id: record._id }, { $push: { replays: replay } });
  return { deliveryId: record._id, ...replay };
}

const RUN_ENDED_BADLY = ['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED'];

/** A correlated flow is replayed for its trigger event, once the run of its key has ended badly. */
async function checkCorrelatedReplay(ctx: ReplayContext, p: PlannedRun, event: FlowEvent): Promise<void> {
  if (!p.flow.trigger.events.includes(event.type)) {
    throw new NotReplayableError(`${event.type} ${event.id} is a callback of ${p.workflowId}: replay the delivery of its ${p.flow.trigger.events.join(' or ')} instead`);
  }
  let described;
  try {
    described = await ctx.client.workflow.getHandle(p.workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return; // gone from Temporal's retention: a fresh run
    throw new UnavailableError(`cannot tell whether ${p.workflowId} may run again: Temporal did not answer; retry later`);
  }
  const status = described.status.name;
  if (RUN_ENDED_BADLY.includes(status)) return;
  const outcome = (described.searchAttributes[searchAttributes.outcome.name] as string[] | undefined)?.[0];
  throw new NotReplayableError(status === 'RUNNING'
    ? `${p.workflowId} is still running (${outcome ?? 'no outcome yet'}): it takes its callbacks as they come; replay it if it fails`
    : `${p.workflowId} ended ${status.toLowerCase()} (${outcome ?? 'no outcome'}): its outcome is settled; only a failed, timed-out, terminated or cancelled run of a correlated flow is replayed`);
}

/**
 * A new run of the same workflow id, so callbacks reach it. Its steps keep their idempotency
 * keys (they derive from the workflow id): what the failed run already did is not done twice.
 */
async function startCorrelated(ctx: ReplayContext, p: PlannedRun, event: FlowEvent): Promise<ReplayRecord['runs'][number]> {
  const [started] = await ctx.startRuns([{ ...p, replayOf: p.workflowId }], event);
  if (started.ignored) throw new NotReplayableError(`${p.workflowId} could not be started again: ${started.ignored}`);
  return { flow: started.flow, workflowId: started.workflowId, runId: started.runId, replayOf: p.workflowId };
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
