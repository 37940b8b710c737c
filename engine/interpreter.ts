// The step logic of a flow, independent of where it runs: the Temporal workflow injects real
// activity calls and durable timers, `hookflow run --dry-run` injects a recorder. Pure and
// deterministic: only flow helpers, no I/O.
import type { FlowRunInput, FlowRunResult, StepOutcome } from './contract';
import { DEFAULT_FOREACH_CONCURRENCY } from './defaults';
import { ExpressionError, evaluateCondition, evaluateExpression, renderEncoded, renderTemplate, unwrapExpression } from './expressions';
import { type RunContext, type Scope, type StepRuntime, delayOf, describeFailure, fastOf, guard, guardsOf } from './run-context';
import { FILTERING_ACTIVITIES, FOREACH_DEFAULT_MAX_ITEMS, OPERATORS_FROM_DATA, encodePathValue, operatorFromData } from './run-guards';
import { staticSecretRefs } from './secret-refs';
import { type ActivityCall, type ActivityStep, type StepDefinition, isActivityStep, isDelayStep, isParallelStep, isWaitStep } from './types';
import { runWait } from './wait';

export async function executeFlow(input: FlowRunInput, rt: StepRuntime): Promise<FlowRunResult> {
  const { flow, event } = input;
  // A batch run sees its events; a batch flow's event run alone (a replay, a dry run) sees itself.
  const events = input.events ?? (flow.batch ? [event] : undefined);
  const scope: Scope = { event, steps: {}, ...(events && { events }) };
  const ctx: RunContext = { rt, compensations: [], secrets: flow.secrets };
  try {
    await runSteps(flow.steps, scope, ctx);
  } catch (err) {
    await rt.cleanup(async () => {
      const error = describeFailure(err, ctx.failedStep);
      rt.report({ kind: 'flow-failed', error, compensations: ctx.compensations.length });
      await runCompensations(ctx);
      if (!flow.onFailure?.length) return;
      try {
        await runSteps(flow.onFailure, { ...scope, error }, { rt, compensations: [], secrets: flow.secrets });
      } catch (handlerErr) {
        // The run fails with its original error; a failing handler must not hide it.
        rt.report({ kind: 'on-failure-failed', message: describeFailure(handlerErr).message });
      }
    });
    throw rt.runFailure ? rt.runFailure(err, ctx.failedStep, ctx.failedActivity) : err;
  }
  return { flow: flow.name, version: flow.version, steps: scope.steps };
}

export async function runSteps(steps: StepDefinition[], scope: Scope, ctx: RunContext): Promise<void> {
  for (const step of steps) {
    try {
      scope.steps[step.id] = await runStep(step, scope, ctx);
    } catch (err) {
      if (ctx.failedStep === undefined) {
        ctx.failedStep = step.id;
        if (isActivityStep(step)) ctx.failedActivity = step.uses;
      }
      throw err;
    }
  }
}

async function runStep(step: StepDefinition, scope: Scope, ctx: RunContext): Promise<StepOutcome> {
  if (step.if !== undefined && !(await guard(ctx, step.id, () => evaluateCondition(step.if!, scope, fastOf(ctx), guardsOf(ctx))))) {
    ctx.rt.report({ kind: 'step-skipped', step: step.id });
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

  const items = await guard(ctx, step.id, () => evaluateExpression(unwrapExpression(step.forEach!), scope, fastOf(ctx), guardsOf(ctx)));
  const list = items === undefined ? [] : Array.isArray(items) ? items : [items];
  // Past Temporal's history limit a run is terminated mid-saga, without compensations: fail first, before any item runs.
  const maxItems = step.maxItems ?? FOREACH_DEFAULT_MAX_ITEMS;
  if (guardsOf(ctx) && list.length > maxItems) {
    throw ctx.rt.expressionFailure(step.id, new ExpressionError(step.forEach!, `gave ${list.length} items, more than maxItems (${maxItems}); no item ran`));
  }
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
  const args = await guard(ctx, step.id, () => renderArgs(step, scope, ctx));
  const output = await ctx.rt.callActivity(step, args, label, secretsOf(step, ctx));
  if (step.compensate) ctx.compensations.push({ call: step.compensate, scope: { ...scope, output }, label });
  return output;
}

/** Reverse order of completion; a compensation that fails is logged and the others still run. */
async function runCompensations(ctx: RunContext): Promise<void> {
  for (const c of [...ctx.compensations].reverse()) {
    try {
      const args = await guard(ctx, c.label, () => renderArgs(c.call, c.scope, ctx));
      await ctx.rt.callActivity(c.call, args, `${c.label}.compensate`, secretsOf(c.call, ctx));
    } catch (err) {
      ctx.rt.report({ kind: 'compensation-failed', step: c.label, message: describeFailure(err).message });
    }
  }
}

/**
 * A call's arguments with its templates rendered. With the run guards, an http.request path gets
 * its values encoded, and a filter value that a template made into an operator fails the step
 * (unless the step says operatorsFromData: true).
 */
async function renderArgs(call: ActivityCall, scope: Scope, ctx: RunContext): Promise<Record<string, unknown>> {
  const written = call.with ?? {};
  if (!guardsOf(ctx)) return (await renderTemplate(written, scope, fastOf(ctx), false)) as Record<string, unknown>;
  const encodePath = call.uses === 'http.request' && typeof written.path === 'string';
  const args = (await renderTemplate(encodePath ? { ...written, path: undefined } : written, scope, fastOf(ctx), true)) as Record<string, unknown>;
  if (encodePath) args.path = await renderEncoded(written.path as string, scope, fastOf(ctx), encodePathValue);
  if (FILTERING_ACTIVITIES.has(call.uses) && written[OPERATORS_FROM_DATA] !== true) {
    const found = operatorFromData(written.filter, args.filter, ['filter']);
    if (found) throw new ExpressionError(found.template, `gave a MongoDB operator ($…) for ${found.path.join('.')}: data may not choose how a filter matches (set ${OPERATORS_FROM_DATA}: true on a step that means it)`);
  }
  return args;
}

const secretsOf = (call: ActivityCall, ctx: RunContext) => (guardsOf(ctx) ? staticSecretRefs(call.uses, call.with, ctx.secrets) : undefined);

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
