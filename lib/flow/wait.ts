// The wait step: wait for the first callback of some event types; when none comes in time, run
// the onTimeout steps (ask the provider) and settle the wait as if the callback had come with
// the status they found; when the provider does not know yet (or cannot be reached), wait again
// with backoff, and fail visibly after the last round. Pure: the runtime supplies signals and timers.
import type { RunOutcome } from '../contract';
import { type RunContext, type Scope, delayOf, describeFailure, fastOf } from './engine';
import { ExpressionError, evaluateCondition } from './expressions';
import type { FlowEvent, StepDefinition } from './types';
import type { ReconcileRetry, WaitOutput, WaitStep } from './wait-types';

export interface WaitRuntime {
  /** The first buffered or arriving event of one of `types`, or undefined when `timeout` passes first. */
  awaitEvent(types: string[], timeout: string, label: string): Promise<FlowEvent | undefined>;
  /** Makes the run's state visible (HookflowOutcome); `settled` types: later events of them change nothing. */
  outcome(value: RunOutcome, settled?: string[]): void;
  /** The failure a run ends with when reconciliation gives up. */
  failure(type: string, message: string): Error;
  /** Whether a failed onTimeout step counts as "the provider does not know yet" (not a cancellation or a flow bug). */
  canRetry(err: unknown): boolean;
}

export const RECONCILE_DEFAULTS: Required<ReconcileRetry> = { maximumAttempts: 5, initialInterval: '1m', backoffCoefficient: 2, maximumInterval: '1h' };

type RunSteps = (steps: StepDefinition[], scope: Scope, ctx: RunContext) => Promise<void>;

export async function runWait(step: WaitStep, scope: Scope, ctx: RunContext, runSteps: RunSteps): Promise<WaitOutput> {
  const waits = ctx.rt.waits;
  if (!waits) throw new Error(`step ${step.id}: wait steps run only in correlated flows (correlation.key)`);
  const types = step.wait.events;
  const settle = (output: WaitOutput): WaitOutput => {
    waits.outcome(output.outcome === 'timedOut' ? 'timed_out' : output.outcome, types);
    return output;
  };
  waits.outcome('waiting');
  const timeout = await delayOf(step.wait.timeout, step.id, scope, ctx);
  const first = await waits.awaitEvent(types, timeout, step.id);
  if (first) return settle({ outcome: 'received', type: first.type, event: first, rounds: 0 });
  if (!step.onTimeout) return settle({ outcome: 'timedOut', rounds: 0 });

  const policy = { ...RECONCILE_DEFAULTS, ...step.onTimeout.retry };
  for (let round = 1; ; round++) {
    const type = await reconcileOnce(step, scope, { ...ctx, labelSuffix: round > 1 ? `#${round}` : undefined }, runSteps);
    if (type) return settle({ outcome: 'reconciled', type, rounds: round });
    if (round >= policy.maximumAttempts) {
      waits.outcome('reconciliation_exhausted', types);
      throw waits.failure('ReconciliationExhausted', `step ${step.id}: no ${types.join(' or ')} after ${round} reconciliation rounds: the provider never confirmed an outcome`);
    }
    // A callback that comes during the backoff still settles the wait.
    const late = await waits.awaitEvent(types, `${backoffMs(policy, round)}ms`, `${step.id} retry ${round}`);
    if (late) return settle({ outcome: 'received', type: late.type, event: late, rounds: round });
  }
}

/** Runs the onTimeout steps once; the event type the provider's answer stands for, or undefined. */
async function reconcileOnce(step: WaitStep, scope: Scope, ctx: RunContext, runSteps: RunSteps): Promise<string | undefined> {
  const spec = step.onTimeout!;
  try {
    await runSteps(spec.steps, scope, ctx);
  } catch (err) {
    // A broken expression fails the same way every round: that is the flow's bug, not the provider's.
    if (describeFailure(err).type === 'ExpressionError' || !ctx.rt.waits!.canRetry(err)) throw err;
    ctx.rt.log('reconciliation round failed: will ask again', { step: step.id, message: describeFailure(err).message });
    return undefined;
  }
  for (const [type, condition] of Object.entries(spec.when)) {
    try {
      if (await evaluateCondition(condition, scope, fastOf(ctx))) return type;
    } catch (err) {
      throw err instanceof ExpressionError ? ctx.rt.expressionFailure(step.id, err) : err;
    }
  }
  ctx.rt.log('reconciliation: the provider does not know the outcome yet', { step: step.id });
  return undefined;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function durationMs(duration: string): number {
  const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(duration);
  if (!m) throw new Error(`not a duration: ${duration}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** Wait after round `round` (1-based): initialInterval × coefficient^(round-1), capped. */
export function backoffMs(policy: Required<ReconcileRetry>, round: number): number {
  return Math.min(durationMs(policy.maximumInterval), Math.round(durationMs(policy.initialInterval) * policy.backoffCoefficient ** (round - 1)));
}
