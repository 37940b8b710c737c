// The flow interpreter: executes the flow definition that travels with the run, step by step.
// Deterministic: only @temporalio/workflow, pure flow helpers and activity *types*.
import { ApplicationFailure, proxyActivities, workflowInfo, log } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { FlowRunInput, FlowRunResult, StepOutcome, ActivityRequest } from '../lib/contract';
import type { StepDefinition } from '../lib/flow/types';
import { DEFAULT_FOREACH_CONCURRENCY, DEFAULT_RETRY, DEFAULT_STEP_TIMEOUT } from '../lib/flow/defaults';
import { ExpressionError, evaluateCondition, evaluateExpression, renderTemplate, unwrapExpression } from '../lib/flow/expressions';

type ActivityFn = (req: ActivityRequest) => Promise<unknown>;

interface Scope {
  event: FlowRunInput['event'];
  steps: Record<string, StepOutcome>;
  [binding: string]: unknown;
}

export async function runFlow(input: FlowRunInput): Promise<FlowRunResult> {
  const { flow, event } = input;
  const scope: Scope = { event, steps: {} };
  for (const step of flow.steps) {
    scope.steps[step.id] = await runStep(step, scope);
  }
  return { flow: flow.name, version: flow.version, steps: scope.steps };
}

async function runStep(step: StepDefinition, scope: Scope): Promise<StepOutcome> {
  if (step.if !== undefined && !(await guard(() => evaluateCondition(step.if!, scope), step))) {
    log.info('step skipped: condition is false', { step: step.id });
    return { status: 'skipped' };
  }
  if (step.forEach === undefined) {
    return { status: 'completed', output: await callActivity(step, scope, step.id) };
  }
  const items = await guard(() => evaluateExpression(unwrapExpression(step.forEach!), scope), step);
  const list = items === undefined ? [] : Array.isArray(items) ? items : [items];
  const binding = step.as ?? 'item';
  const output = await mapWithConcurrency(list, step.concurrency ?? DEFAULT_FOREACH_CONCURRENCY, (item, index) =>
    callActivity(step, { ...scope, [binding]: item, index }, `${step.id}[${index}]`),
  );
  return { status: 'completed', output };
}

async function callActivity(step: StepDefinition, scope: Scope, label: string): Promise<unknown> {
  const args = (await guard(() => renderTemplate(step.with ?? {}, scope), step)) as Record<string, unknown>;
  const activities = proxyActivities<Record<string, ActivityFn>>(activityOptions(step, label));
  const idempotencyKey = `${workflowInfo().workflowId}/${label}`;
  return activities[step.uses]({ args, idempotencyKey });
}

function activityOptions(step: StepDefinition, label: string): ActivityOptions {
  const retry = { ...DEFAULT_RETRY, ...step.retry };
  return {
    startToCloseTimeout: (step.timeout ?? DEFAULT_STEP_TIMEOUT) as ActivityOptions['startToCloseTimeout'],
    retry: {
      maximumAttempts: retry.maximumAttempts,
      initialInterval: retry.initialInterval as never,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maximumInterval as never,
      nonRetryableErrorTypes: retry.nonRetryableErrorTypes,
    },
    summary: label,
  };
}

/** An expression that fails will fail the same way on every retry: fail the run, not the task. */
async function guard<T>(fn: () => Promise<T>, step: StepDefinition): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ExpressionError) {
      throw ApplicationFailure.nonRetryable(`step ${step.id}: ${err.message}`, 'ExpressionError');
    }
    throw err;
  }
}

async function mapWithConcurrency<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  });
  await Promise.all(lanes);
  return results;
}
