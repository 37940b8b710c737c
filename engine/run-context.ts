// What a run's steps share while the interpreter (interpreter.ts) and wait steps (wait.ts) work
// through them: the runtime that does the work (Temporal, or recording-runtime.ts), the scope
// expressions see, compensations, and the helpers both need. Pure and deterministic.
import type { FlowRunInput, RunOutcome, StepOutcome } from './contract';
import { isDuration } from './duration';
import { ExpressionError, type FastOption, renderTemplate } from './expressions';
import type { ActivityCall, FlowEvent, SecretDeclaration } from './types';
import type { SecretRef } from './secret-refs';
import type { RunEvent } from './run-events';

export interface StepRuntime {
  /** Calls an activity. `label` names the call (activity summary) and is unique within the run. */
  callActivity(call: ActivityCall, args: Record<string, unknown>, label: string, secrets?: SecretRef[]): Promise<unknown>;
  /** Waits for a duration such as "10m" (a durable timer in a workflow). */
  sleep(duration: string, label: string): Promise<void>;
  /** Runs clean-up work (compensations, onFailure) so that cancelling the run does not cut it short. */
  cleanup<T>(fn: () => Promise<T>): Promise<T>;
  /** What happened that is neither a call nor a timer (a skipped step, a failure and its clean-up): engine/run-events.ts. */
  report(event: RunEvent): void;
  /** The failure to throw when an expression of a step fails: it fails the same way on every retry. */
  expressionFailure(step: string, err: ExpressionError): Error;
  /** The error the run fails with once compensations and onFailure ran: one that names the failed step (and the activity it uses). */
  runFailure?(err: unknown, step: string | undefined, activity: string | undefined): unknown;
  /** Callbacks and timers of wait steps; only correlated runs (and dry runs) have them. */
  waits?: WaitRuntime;
  /** Synchronous evaluation of simple expressions: the version of the shapes the run started with (default the latest); false to replay runs started without it. */
  fastExpressions?: FastOption;
  /**
   * The run guards (engine/run-guards.ts): secrets named by the flow file only, path templates
   * encoded, forEach capped, operators from data kept out of filters, expressions bounded. Runs
   * started before them replay without (false or absent).
   */
  guards?: boolean;
}

export interface Scope {
  event: FlowRunInput['event'];
  steps: Record<string, StepOutcome>;
  [binding: string]: unknown;
}

/** What `error` holds in onFailure steps. */
export interface FailureInfo {
  step?: string;
  message: string;
  type?: string;
}

interface Compensation { call: ActivityCall; scope: Scope; label: string }

export interface RunContext {
  rt: StepRuntime;
  /** Compensations of completed steps, in completion order; run in reverse on failure. */
  compensations: Compensation[];
  failedStep?: string;
  /** The flow's `secrets:` (guarded runs hand http.request the declared references). */
  secrets?: SecretDeclaration[];
  /** The activity the failed step uses, when it uses one. */
  failedActivity?: string;
  /** Appended to activity labels: repeated rounds of onTimeout steps (`#2`) get their own idempotency keys. */
  labelSuffix?: string;
}

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

/** A literal duration, or a template giving one (or a number of milliseconds). */
export async function delayOf(source: string, step: string, scope: Scope, ctx: RunContext): Promise<string> {
  if (isDuration(source)) return source;
  const value = await guard(ctx, step, () => renderTemplate(source, scope, fastOf(ctx), guardsOf(ctx)));
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return `${Math.round(value)}ms`;
  if (isDuration(value)) return value;
  throw ctx.rt.expressionFailure(step, new ExpressionError(source, `gave ${JSON.stringify(value)}, not a duration such as 30s or 5m`));
}

export const fastOf = (ctx: RunContext): FastOption => ctx.rt.fastExpressions ?? true;
export const guardsOf = (ctx: RunContext): boolean => ctx.rt.guards === true;

export async function guard<T>(ctx: RunContext, step: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ExpressionError) throw ctx.rt.expressionFailure(step, err);
    throw err;
  }
}

/** The innermost cause is what an ops person wants to read (an ActivityFailure wraps the real error). */
export function describeFailure(err: unknown, step?: string): FailureInfo {
  let e = err as { message?: string; type?: string; cause?: unknown } | undefined;
  while (e && typeof e === 'object' && e.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return { step, message: String(e?.message ?? err), type: typeof e?.type === 'string' ? e.type : undefined };
}
