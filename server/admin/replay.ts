// Replay: run a stored event again through the flows as they are now. Every replay is a new run
// whose workflow id extends the original's (":replay:<n>"), linked back in its memo (replayOf)
// and recorded on the delivery, so nothing is overwritten and the lineage stays visible.
// A correlated flow's run owns its key (callbacks are signalled to that workflow id), so its
// replay is a new run of the same workflow id, once the previous one has failed.
// Replay runs keep the original's step idempotency keys (server/starts/start-runs.ts: effectKeysOf), so what
// the original applied is not applied again. Each run is recorded as it starts, and a replay cut
// short is continued by the next replay of the same flows instead of being started again.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { HookflowError, UnavailableError } from '../../lib/errors';
import { selectFlows } from '../../engine/select';
import { UpcastError } from '../../engine/event-versions';
import { takesEventType } from '../../engine/event-patterns';
import type { FlowDefinition, FlowEvent } from '../../engine/types';
import { type DeliveryRecord, type ReplayRecord } from '../deliveries';
import { StoredEventError, storedEvent } from '../deliveries';
import { type PlannedRun, type RunStarter, planRuns } from '../starts';
import type { AdminContext } from './deliveries';
import { searchAttributes } from '../../engine/contract';

export interface ReplayContext extends AdminContext {
  flows: () => FlowDefinition[];
  startRuns: RunStarter;
}

export class NotReplayableError extends HookflowError {
  constructor(message: string) { super('not_replayable', 409, message); }
}

/** The source's upcast (changed since the event was accepted) fails on the stored event: no retry changes that. */
export class ReplayUpcastError extends HookflowError {
  constructor(deliveryId: string, message: string) { super('upcast_failed', 422, `delivery ${deliveryId} cannot be replayed: ${message}; fix the source's upcast (hookflow validate runs it on the schema's examples), then replay again`); }
}

/** Turns an upcast failing on the stored event into a 422 the operator can act on. */
const upcastRefused = (deliveryId: string) => (err: unknown): never => {
  if (err instanceof UpcastError) throw new ReplayUpcastError(deliveryId, err.message);
  throw err;
};

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
  try {
    return storedEvent(record);
  } catch (err) {
    if (err instanceof StoredEventError) throw new NotReplayableError(err.reason === 'event_incomplete' ? `delivery ${record._id} has no complete stored body to replay` : err.message);
    throw err;
  }
}

export const replayWorkflowId = (original: string, n: number) => `${original}:replay:${n}`;

export interface ReplayOptions {
  /** Only these flows (by name); default every current flow the event matches. */
  flows?: string[];
  jobId?: string;
}

export async function replayDelivery(ctx: ReplayContext, id: string, opts: ReplayOptions = {}): Promise<ReplayRecord & { deliveryId: string; continued: boolean }> {
  let record = await ctx.deliveries.findOne({ _id: id });
  if (!record) throw new DeliveryNotFoundError(id);
  // A duplicate delivery carries no event of its own: replay the delivery it duplicated.
  if (record.outcome === 'duplicate' && record.originalId) {
    const originalId = record.originalId;
    record = await ctx.deliveries.findOne({ _id: originalId });
    if (!record) throw new NotReplayableError(`delivery ${id} duplicated ${originalId}, which is no longer stored`);
  }
  const event = eventOf(record);
  const matching = await selectFlows(ctx.flows(), event).catch(upcastRefused(record._id));
  const flows = opts.flows ? matching.filter((f) => opts.flows!.includes(f.name)) : matching;
  if (flows.length === 0) {
    throw new NotReplayableError(`no current flow${opts.flows ? ` named ${opts.flows.join(' or ')}` : ''} handles ${event.type} from ${event.source} (with its trigger filter)`);
  }
  const unfinished = unfinishedReplay(record, flows.map((f) => f.name));
  const todo = (await planRuns(flows, event).catch(upcastRefused(record._id))).filter((p) => !unfinished?.runs.some((r) => r.flow === p.flow.name));
  const keyed = todo.filter((p) => p.route?.kind === 'correlated');
  // Every refusal before anything starts: a replay is all of its flows or nothing.
  const others = (p: PlannedRun) => opts.flows ? [] : flows.filter((f) => f.name !== p.flow.name).map((f) => f.name);
  for (const p of keyed) await checkCorrelatedReplay(ctx, p, event, { deliveryId: record._id, others: others(p) });
  const replay = unfinished ?? await beginReplay(ctx, record, flows.map((f) => f.name), opts.jobId);
  // One run at a time, each recorded as it starts: if a start fails, a retry starts only the rest.
  for (const p of todo) {
    const run = p.route?.kind === 'correlated'
      ? await startCorrelated(ctx, p, event, replay)
      // An entity-keyed event is replayed as its own run (outside the entity's queue).
      : await startNumbered(ctx, { flow: p.flow, workflowId: p.route?.eventWorkflowId ?? p.workflowId, ...(p.event && { event: p.event }) }, event, replay);
    await recordRun(ctx, record._id, replay, run);
    replay.runs.push(run);
  }
  return { deliveryId: record._id, ...replay, continued: !!unfinished };
}

type ReplayedRun = ReplayRecord['runs'][number];
type OpenReplay = ReplayRecord & { id: string; number: number };

/** The delivery's last replay, if it is of the same flows and one of them has no run yet. */
function unfinishedReplay(record: DeliveryRecord, flows: string[]): OpenReplay | undefined {
  const last = record.replays?.at(-1);
  if (!last?.id || !last.number || !last.flows) return undefined;
  const same = [...last.flows].sort().join('\u0000') === [...flows].sort().join('\u0000');
  const open = last.flows.some((f) => !last.runs.some((r) => r.flow === f));
  return same && open ? { ...last, id: last.id, number: last.number } : undefined;
}

async function beginReplay(ctx: ReplayContext, record: DeliveryRecord, flows: string[], jobId?: string): Promise<OpenReplay> {
  const replay: OpenReplay = { id: randomUUID(), number: (record.replays?.length ?? 0) + 1, at: new Date(), flows, runs: [], ...(jobId && { jobId }) };
  await ctx.deliveries.updateOne({ _id: record._id }, { $push: { replays: replay } });
  return replay;
}

async function recordRun(ctx: ReplayContext, deliveryId: string, replay: OpenReplay, run: ReplayedRun): Promise<void> {
  // Addressed by position (FerretDB has no positional $ with arrayFilters): appended replays never
  // move. $addToSet: two requests continuing the same replay at once record its run once.
  const current = await ctx.deliveries.findOne({ _id: deliveryId }, { projection: { replays: 1 } });
  const index = current?.replays?.findIndex((r) => r.id === replay.id) ?? -1;
  if (index < 0) throw new UnavailableError(`the record of replay ${replay.id} of delivery ${deliveryId} is gone; retry the replay`);
  await ctx.deliveries.updateOne({ _id: deliveryId }, { $addToSet: { [`replays.${index}.runs`]: run } } as never);
}

const RUN_ENDED_BADLY = ['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED'];

/** A correlated flow is replayed for its trigger event, once the run of its key has ended badly. */
async function checkCorrelatedReplay(ctx: ReplayContext, p: PlannedRun, event: FlowEvent, delivery: { deliveryId: string; others: string[] }): Promise<void> {
  if (!takesEventType(p.flow.trigger.events, event.type)) {
    // The event may start other flows too (the README's payment.succeeded): name how to replay those alone.
    const alone = delivery.others.map((f) => `hookflow replay ${delivery.deliveryId} --flow ${f}`).join(', or ');
    throw new NotReplayableError(`${event.type} ${event.id} is a callback of ${p.workflowId} (flow ${p.flow.name}): replay the delivery of its ${p.flow.trigger.events.join(' or ')} instead${alone ? `; to replay this event's other flows only: ${alone}` : ''}`);
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
async function startCorrelated(ctx: ReplayContext, p: PlannedRun, event: FlowEvent, replay: OpenReplay): Promise<ReplayedRun> {
  const [started] = await ctx.startRuns([{ ...p, replayOf: p.workflowId, replayId: replay.id }], event);
  if (started.ignored) throw new NotReplayableError(`${p.workflowId} could not be started again: ${started.ignored}`);
  return { flow: started.flow, workflowId: started.workflowId, runId: started.runId, replayOf: p.workflowId };
}

/**
 * Starts `<original>:replay:<n>` from the replay's number on. A taken id is this replay's own run
 * when its memo says so (started before the record was written); else it belongs to another
 * replay started meanwhile, and the next n is tried: Temporal's unique workflow id settles races.
 */
async function startNumbered(ctx: ReplayContext, original: PlannedRun, event: FlowEvent, replay: OpenReplay): Promise<ReplayedRun> {
  const first = replay.number;
  for (let n = first; n < first + MAX_NUMBER_TRIES; n++) {
    const planned: PlannedRun = { flow: original.flow, workflowId: replayWorkflowId(original.workflowId, n), replayOf: original.workflowId, replayId: replay.id, ...(original.event && { event: original.event }) };
    const [started] = await ctx.startRuns([planned], event);
    const mine = started.duplicate ? await ownRunOf(ctx, planned.workflowId, replay.id) : started.runId;
    if (mine) return { flow: started.flow, workflowId: started.workflowId, runId: mine, replayOf: original.workflowId };
  }
  throw new HookflowError('replay_conflict', 409, `replays ${first} to ${first + MAX_NUMBER_TRIES - 1} of ${original.workflowId} all exist; try again`);
}

/** The run id of `workflowId` if this replay started it. */
async function ownRunOf(ctx: ReplayContext, workflowId: string, replayId: string): Promise<string | undefined> {
  try {
    const described = await ctx.client.workflow.getHandle(workflowId).describe();
    return described.memo?.replayId === replayId ? described.runId : undefined;
  } catch {
    throw new UnavailableError(`cannot tell whether ${workflowId} belongs to this replay: Temporal did not answer; retry later`);
  }
}
