// The step logic of a flow, independent of where it runs: the Temporal workflow injects real
// activity calls and durable timers, `hookflow run --dry-run` injects a recorder. Pure and
// deterministic: only flow helpers, no I/O.
import type { FlowRunInput, FlowRunResult, StepOutcome } from '../contract';
import { DEFAULT_FOREACH_CONCURRENCY } from './defaults';
import { ExpressionError, evaluateCondition, evaluateExpression, renderTemplate, unwrapExpression } from './expressions';
import { type ActivityCall, type ActivityStep, type StepDefinition, isDelayStep, isParallelStep, isWaitStep } from './types';
import { type WaitRuntime, runWait } from './wait';

export interface StepRuntime {
  /** Calls an activity. `label` names the call (activity summary) and is unique within the run. */
  callActivity(call: ActivityCall, args: Record<string, unknown>, label: string): Promise<unknown>;
  /** Waits for a duration such as "10m" (a durable timer in a workflow). */
  sleep(duration: string, label: string): Promise<void>;
  /** Runs clean-up work (compensations, onFailure) so that cancelling the run does not cut it short. */
  cleanup<T>(fn: () => Promise<T>): Promise<T>;
  log(message: string, fields: Record<string, unknown>): void;
  /** The failure to throw when an expression of a step fails: it fails the same way on every retry. */
  expressionFailure(step: string, err: ExpressionError): Error;
  /** Callbacks and timers of wait steps; only correlated runs (and dry runs) have them. */
  waits?: WaitRuntime;
  /** Synchronous evaluation of simple expressions (default on); off only to replay runs started without it. */
  fastExpressions?: boolean;
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
  /** Appended to activity labels: repeated rounds of onTimeout steps (`#2`) get their own idempotency keys. */
  labelSuffix?: string;
}

export async function executeFlow(input: FlowRunInput, rt: StepRuntime): Promise<FlowRunResult> {
  const { flow, event } = input;
  const scope: Scope = { event, steps: {} };
  const ctx: RunContext = { rt, compensations: [] };
  try {
    await runSteps(flow.steps, scope, ctx);
  } catch (err) {
    await rt.cleanup(async () => {
      const error = describeFailure(err, ctx.failedStep);
      rt.log('flow failed: compensating completed steps', { ...error, compensations: ctx.compensations.length });
      await runCompensations(ctx);
      if (!flow.onFailure?.length) return;
      try {
        await runSteps(flow.onFailure, { ...scope, error }, { rt, compensations: [] });
      } catch (handlerErr) {
        // The run fails with its original error; a failing handler must not hide it.
        rt.log('onFailure failed', { message: describeFailure(handlerErr).message });
      }
    });
    throw err;
  }
  return { flow: flow.name, version: flow.version, steps: scope.steps };
}

export async function runSteps(steps: StepDefinition[], scope: Scope, ctx: RunContext): Promise<void> {
  for (const step of steps) {
    try {
      scope.steps[step.id] = await runStep(step, scope, ctx);
    } catch (err) {
      ctx.failedStep ??= step.id;
      throw err;
    }
  }
}

async function runStep(step: StepDefinition, scope: Scope, ctx: RunContext): Promise<StepOutcome> {
  if (step.if !== undefined && !(await guard(ctx, step.id, () => evaluateCondition(step.if!, scope, fastOf(ctx))))) {
    ctx.rt.log('step skipped: condition is false', { step: step.id });
    return { status: 'skipped' };
  }
  if (isDelayStep(step)) {
    await ctx.rt.sleep(await delayOf(step.delay, step.id, scope, ctx), step.id);
    return { status: 'completed' };
  }
  if (isWaitStep(step)) return { status: 'completed', output: await runWait(step, scope, ctx, runSteps) };
  if (isParallelStep(step)) return runParallel(step.parallel, scope, ctx);
  const suffix = ctx.labelSuffix ?? '';
  if (step.forEach === undefined) return { status: 'completed', output: await callStep(step, scope, step.id + suffix, ctx) };

  const items = await guard(ctx, step.id, () => evaluateExpression(unwrapExpression(step.forEach!), scope, fastOf(ctx)));
  const list = items === undefined ? [] : Array.isArray(items) ? items : [items];
  const binding = step.as ?? 'item';
  const output = await mapWithConcurrency(list, step.concurrency ?? DEFAULT_FOREACH_CONCURRENCY, (item, index) =>
    callStep(step, { ...scope, [binding]: item, index }, `${step.id}[${index}]${suffix}`, ctx),
  );
  return { status: 'completed', output };
}

/**
 * Branches run concurrently, each in order. Every branch is allowed to finish (settle) before a
 * failure is reported, so compensations see every step that completed.
 */
async function runParallel(branches: { steps: StepDefinition[] }[], scope: Scope, ctx: RunContext): Promise<StepOutcome> {
  const settled = await Promise.allSettled(branches.map((b) => runSteps(b.steps, scope, ctx)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const output: Record<string, unknown> = {};
  for (const b of branches) for (const s of b.steps) output[s.id] = scope.steps[s.id]?.output;
  return { status: 'completed', output };
}

async function callStep(step: ActivityStep, scope: Scope, label: string, ctx: RunContext): Promise<unknown> {
  const args = (await guard(ctx, step.id, () => renderTemplate(step.with ?? {}, scope, fastOf(ctx)))) as Record<string, unknown>;
  const output = await ctx.rt.callActivity(step, args, label);
  if (step.compensate) ctx.compensations.push({ call: step.compensate, scope: { ...scope, output }, label });
  return output;
}

/** Reverse order of completion; a compensation that fails is logged and the others still run. */
async function runCompensations(ctx: RunContext): Promise<void> {
  for (const c of [...ctx.compensations].reverse()) {
    try {
      const args = (await guard(ctx, c.label, () => renderTemplate(c.call.with ?? {}, c.scope, fastOf(ctx)))) as Record<string, unknown>;
      await ctx.rt.callActivity(c.call, args, `${c.label}.compensate`);
    } catch (err) {
      ctx.rt.log('compensation failed', { step: c.label, message: describeFailure(err).message });
    }
  }
}

const DURATION = /^[0-9]+(ms|s|m|h|d)$/;

/** A literal duration, or a template giving one (or a number of milliseconds). */
export async function delayOf(source: string, step: string, scope: Scope, ctx: RunContext): Promise<string> {
  if (DURATION.test(source)) return source;
  const value = await guard(ctx, step, () => renderTemplate(source, scope, fastOf(ctx)));
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return `${Math.round(value)}ms`;
  if (typeof value === 'string' && DURATION.test(value)) return value;
  throw ctx.rt.expressionFailure(step, new ExpressionError(source, `gave ${JSON.stringify(value)}, not a duration such as 30s or 5m`));
}

export const fastOf = (ctx: RunContext): boolean => ctx.rt.fastExpressions ?? true;

async function guard<T>(ctx: RunContext, step: string, fn: () => Promise<T>): Promise<T> {
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

async function mapWithConcurrency<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { reason: unknown } | undefined;
  const lanes = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (reason) {
        failure ??= { reason };
      }
    }
  });
  await Promise.all(lanes);
  if (failure) throw failure.reason;
  return results;
}
