// The flow interpreter: executes the flow definition that travels with the run. The step logic
// lives in engine/interpreter.ts; this file binds it to Temporal (activities, timers, cancellation).
// Deterministic: only @temporalio/workflow, pure flow helpers and activity *types*.
import { ApplicationFailure, CancellationScope, isCancellation, patched, proxyActivities, proxyLocalActivities, sleep, workflowInfo, log } from '@temporalio/workflow';
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import type { FlowRunInput, FlowRunResult, ActivityRequest } from '../engine/contract';
import type { ActivityCall } from '../engine/types';
import { DEFAULT_RETRY, DEFAULT_STEP_TIMEOUT, LOCAL_RETRY_THRESHOLD, runsLocally } from '../engine/defaults';
import { executeFlow } from '../engine/interpreter';
import { describeFailure, type StepRuntime } from '../engine/run-context';
import { runEventLog } from '../engine/run-events';
import type { FastShapes } from '../engine/fast-expressions';

type ActivityFn = (req: ActivityRequest) => Promise<unknown>;

/**
 * Step idempotency keys are `<keyBase>/<label>`: the run's own workflow id, or the original's for
 * a replay. With `local`, short steps (engine/defaults.ts runsLocally) run as local activities:
 * a local attempt that is retried, or re-run because the workflow task that ran it failed, has
 * the same key, so its effect still applies once. A local step's backoff longer than
 * LOCAL_RETRY_THRESHOLD is a durable timer, so a retrying step never holds a workflow-task slot.
 */
const temporalRuntime = (keyBase: string, local: boolean): StepRuntime => ({
  async callActivity(call, args, label, secrets) {
    const options = activityOptions(call, label);
    const activities = local && runsLocally(call)
      ? proxyLocalActivities<Record<string, ActivityFn>>({ ...options, localRetryThreshold: LOCAL_RETRY_THRESHOLD } as LocalActivityOptions)
      : proxyActivities<Record<string, ActivityFn>>(options);
    return activities[call.uses]({ args, idempotencyKey: `${keyBase}/${label}`, ...(secrets && { secrets }) });
  },
  sleep: (duration, label) => sleep(duration as Parameters<typeof sleep>[0], { summary: label }),
  cleanup: (fn) => CancellationScope.nonCancellable(fn),
  report: (event) => {
    const { message, fields } = runEventLog(event);
    log.info(message, fields);
  },
  expressionFailure: (step, err) => ApplicationFailure.nonRetryable(`step ${step}: ${err.message}`, 'ExpressionError'),
  runFailure: stepFailure,
});

/**
 * A run whose step failed fails naming the step and its activity (Temporal UI, issues), with the
 * innermost error's type and message and the step's failure kept as the cause: a local
 * activity's failure comes without an activity failure or a scheduled event to name its step by.
 * Failures that name their step already (expressions, reconciliation) and cancellations stay as
 * they are. Only the failure's text changes (no command does), so recorded histories replay.
 */
function stepFailure(err: unknown, step: string | undefined, activity: string | undefined): unknown {
  if (!step || !(err instanceof Error) || isCancellation(err)) return err;
  if (err instanceof ApplicationFailure && err.message.startsWith(`step ${step}`)) return err;
  const { message, type } = describeFailure(err);
  return ApplicationFailure.create({
    message: `step ${step}${activity ? ` (${activity})` : ''}: ${message}`, type: type ?? err.name, nonRetryable: true, cause: err,
    details: [{ step, ...(activity && { activity }) }],
  });
}

/**
 * The shapes of fast expressions a run evaluates are fixed when it starts: each version of them
 * (engine/fast-expressions.ts) has its own patch id, and a run replays with the version whose
 * marker it recorded. Runs started before synchronous evaluation existed have none and replay
 * without it (it changes the order in which parallel branches schedule their activities).
 * Widening or narrowing the shapes means a new version with a new id here, never an edit of one
 * (test/unit/fast-shapes.test.ts pins them). Once no run of a version is open, its check becomes
 * deprecatePatch, then goes.
 */
export const FAST_EXPRESSIONS_PATCHES: Readonly<Record<FastShapes, string>> = {
  1: 'hookflow-fast-expressions',
  2: 'hookflow-fast-expressions-2',
  3: 'hookflow-fast-expressions-3',
};

/** Newest first: a new run records only the newest marker; a replay finds the one it recorded. */
function fastShapes(): FastShapes | false {
  if (patched(FAST_EXPRESSIONS_PATCHES[3])) return 3;
  if (patched(FAST_EXPRESSIONS_PATCHES[2])) return 2;
  if (patched(FAST_EXPRESSIONS_PATCHES[1])) return 1;
  return false;
}

/**
 * A replay run keeps the original run's step keys (input.effectKeysOf). A replay started before
 * that existed, or by an ingress that sent the field to a worker that ignored it, replays with
 * its own keys.
 */
export const REPLAY_KEYS_PATCH = 'hookflow-replay-keeps-effect-keys';

/**
 * Runs with this marker run short steps as local activities (no activity task through the
 * Temporal server); runs started before it schedule every step as an ordinary activity.
 */
export const LOCAL_ACTIVITIES_PATCH = 'hookflow-local-activities';

/**
 * What a new run starts with, under one patch id: fast shapes 3, short steps as local activities
 * and the run guards (engine/run-context.ts `guards`: secrets named by the flow file only, path
 * values encoded, forEach capped, operators from data kept out of filters, bounded expressions).
 * Each patch marker costs the run a marker event, and the SDK adds an upsert of the
 * TemporalChangeVersion search attribute (a history event and a visibility write on the server),
 * so a new run records this one marker instead of separate ones. Runs without it (started before
 * it) replay through the earlier checks, exactly as they were recorded. A new shapes version or a
 * new default gets a new id here (test/unit/fast-shapes.test.ts pins this one).
 */
export const NEW_RUN_PATCH = { id: 'hookflow-run-guards', fastShapes: 3, localSteps: true, guards: true } as const;

/** The previous NEW_RUN_PATCH: fast shapes 3 and local steps, without the run guards. */
export const SHAPES_3_LOCAL_STEPS_PATCH = 'hookflow-fast-shapes-3-local-steps';

/** The runtime of one run; call it where the run starts executing steps. */
export function flowRuntime(effectKeysOf?: string): StepRuntime {
  const current = patched(NEW_RUN_PATCH.id);
  const shapes3Local = !current && patched(SHAPES_3_LOCAL_STEPS_PATCH);
  const keyBase = effectKeysOf && patched(REPLAY_KEYS_PATCH) ? effectKeysOf : workflowInfo().workflowId;
  if (current) return { ...temporalRuntime(keyBase, NEW_RUN_PATCH.localSteps), fastExpressions: NEW_RUN_PATCH.fastShapes, guards: NEW_RUN_PATCH.guards };
  if (shapes3Local) return { ...temporalRuntime(keyBase, true), fastExpressions: 3 };
  const fastExpressions = fastShapes();
  return { ...temporalRuntime(keyBase, patched(LOCAL_ACTIVITIES_PATCH)), fastExpressions };
}

export async function runFlow(input: FlowRunInput): Promise<FlowRunResult> {
  return executeFlow(input, flowRuntime(input.effectKeysOf));
}

function activityOptions(call: ActivityCall, label: string): ActivityOptions {
  const retry = { ...DEFAULT_RETRY, ...call.retry };
  return {
    startToCloseTimeout: (call.timeout ?? DEFAULT_STEP_TIMEOUT) as ActivityOptions['startToCloseTimeout'],
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
