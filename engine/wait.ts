// The wait step: wait for the first callback of some event types; when none comes in time, run
// the onTimeout steps (ask the provider) and settle the wait as if the callback had come with
// the status they found; when the provider does not know yet (or cannot be reached), wait again
// with backoff, and fail visibly after the last round. Pure: the runtime supplies signals and timers.
import { checkedDurationMs } from './duration';
import { ExpressionError, evaluateCondition } from './expressions';
import { type RunContext, type Scope, delayOf, describeFailure, fastOf, guardsOf } from './run-context';
import type { ReconcileRetry, StepDefinition, WaitOutput, WaitStep } from './types';

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
    ctx.rt.report({ kind: 'reconciliation-round-failed', step: step.id, message: describeFailure(err).message });
    return undefined;
  }
  for (const [type, condition] of Object.entries(spec.when)) {
    try {
      if (await evaluateCondition(condition, scope, fastOf(ctx), guardsOf(ctx))) return type;
    } catch (err) {
      throw err instanceof ExpressionError ? ctx.rt.expressionFailure(step.id, err) : err;
    }
  }
  ctx.rt.report({ kind: 'reconciliation-unknown', step: step.id });
  return undefined;
}

/** Wait after round `round` (1-based): initialInterval × coefficient^(round-1), capped. */
export function backoffMs(policy: Required<ReconcileRetry>, round: number): number {
  return Math.min(checkedDurationMs(policy.maximumInterval), Math.round(checkedDurationMs(policy.initialInterval) * policy.backoffCoefficient ** (round - 1)));
}
