// The one effect-free runtime of the flow interpreter (interpreter.ts): it answers activity calls,
// timers and wait steps instead of doing them, on a simulated clock, and records what the steps
// did. Its uses differ only in their hooks: `hookflow run --dry-run` (cli/commands/dry-run.ts:
// canned outputs, time stands still), `hookflow test` (flowtests/test-runtime.ts: the case's
// outcomes and callbacks, time advancing) and `replay --candidate` (what-if.ts: the outputs a past
// run recorded). Every use runs the flow as a new run would start. Pure: no I/O.
import type { RunOutcome } from './contract';
import type { ExpressionError } from './expressions';
import type { StepRuntime, WaitRuntime } from './run-context';
import type { RunEvent } from './run-events';
import type { ActivityCall, FlowEvent } from './types';

/** What a new run starts with in the worker (workflows/run-flow.ts NEW_RUN_PATCH); test/unit/flow-tests-faithful.test.ts keeps them equal. */
export const NEW_RUN_SETTINGS = { fastExpressions: 3, guards: true } as const;

export interface RecordedCall {
  label: string;
  uses: string;
  args: Record<string, unknown>;
  /** The call undoes an earlier one (its label ends in .compensate). */
  compensation: boolean;
  /** Simulated time (ms from the start of the run) when it was made. */
  at: number;
}

/** One thing the run did, in the order it did them. */
export type RecordedStep =
  | { kind: 'call'; call: RecordedCall }
  | { kind: 'delay'; label: string; duration: string }
  | { kind: 'wait'; label: string; types: string[]; timeout: string }
  /** What a wait got: the callback, or nothing before its timeout (event undefined). */
  | { kind: 'callback'; label: string; event?: FlowEvent }
  /** A wait step settled (every outcome but "waiting"). */
  | { kind: 'outcome'; value: RunOutcome }
  | { kind: 'report'; event: RunEvent };

export interface Recording {
  /** Activity calls, compensations included. */
  calls: RecordedCall[];
  /** Everything, in order: calls, timers, waits and what they got, reports. */
  timeline: RecordedStep[];
  skipped: string[];
  /** Ids of steps that began (activities, delays, waits). */
  reached: Set<string>;
  /** Each wait step's outcome: received, timed_out, reconciled, reconciliation_exhausted. */
  waitOutcomes: Map<string, RunOutcome>;
  /** Simulated time since the start of the run; read while it runs too. */
  clockMs: number;
}

export interface RecordingHooks {
  /** What an activity call returns; throwing fails the call. Without it every call returns null. */
  answer?(call: RecordedCall): unknown;
  /** Callbacks for wait steps, by arrival time (ms from the start): a wait takes the first of its types that comes before its timeout. */
  callbacks?: { atMs: number; event: FlowEvent }[];
  /** How long a timer or a wait's timeout lasts on the simulated clock; without it time stands still. */
  durationMs?(duration: string): number;
  /** Whether wait steps can run (only correlated runs have them); default true. */
  waits?: boolean;
  /** The errors thrown where a workflow throws typed failures; default plain Errors. */
  errors?: {
    expression(step: string, err: ExpressionError): Error;
    wait(type: string, message: string): Error;
    run?: StepRuntime['runFailure'];
  };
}

/** The step a label belongs to: "reserve[2]#2.compensate" → reserve, "payment retry 3" → payment. */
export const stepIdOf = (label: string): string => label.replace(/\[\d+\]/g, '').replace(/#\d+/g, '').replace(/ retry \d+$/, '').replace(/\.compensate$/, '');

const PLAIN_ERRORS = {
  expression: (step: string, err: ExpressionError) => new Error(`step ${step}: ${err.message}`),
  wait: (type: string, message: string) => new Error(`${type}: ${message}`),
};

export function recordingRuntime(hooks: RecordingHooks = {}): { runtime: StepRuntime; recording: Recording } {
  const rec: Recording = { calls: [], timeline: [], skipped: [], reached: new Set(), waitOutcomes: new Map(), clockMs: 0 };
  const pending = [...(hooks.callbacks ?? [])];
  const errors = hooks.errors ?? PLAIN_ERRORS;
  const lasts = (duration: string): number => hooks.durationMs?.(duration) ?? 0;
  let currentWait: string | undefined;

  const waits: WaitRuntime = {
    async awaitEvent(types, timeout, label) {
      currentWait = stepIdOf(label);
      rec.reached.add(currentWait);
      rec.timeline.push({ kind: 'wait', label, types, timeout });
      const deadline = rec.clockMs + lasts(timeout);
      // The correlated run's inbox: the first buffered or arriving event of one of the types.
      const index = pending.findIndex((c) => types.includes(c.event.type) && c.atMs <= deadline);
      if (index < 0) {
        rec.clockMs = deadline;
        rec.timeline.push({ kind: 'callback', label });
        return undefined;
      }
      const [callback] = pending.splice(index, 1);
      rec.clockMs = Math.max(rec.clockMs, callback.atMs);
      rec.timeline.push({ kind: 'callback', label, event: callback.event });
      return callback.event;
    },
    outcome(value) {
      if (value === 'waiting') return;
      if (currentWait) rec.waitOutcomes.set(currentWait, value);
      rec.timeline.push({ kind: 'outcome', value });
    },
    failure: (type, message) => errors.wait(type, message),
    canRetry: () => true,
  };

  const runtime: StepRuntime = {
    async callActivity(activity: ActivityCall, args, label) {
      const call: RecordedCall = { label, uses: activity.uses, args, compensation: label.endsWith('.compensate'), at: rec.clockMs };
      rec.calls.push(call);
      rec.timeline.push({ kind: 'call', call });
      if (!call.compensation) rec.reached.add(stepIdOf(label));
      return hooks.answer ? hooks.answer(call) : null;
    },
    async sleep(duration, label) {
      rec.reached.add(stepIdOf(label));
      rec.timeline.push({ kind: 'delay', label, duration });
      rec.clockMs += lasts(duration);
    },
    cleanup: (fn) => fn(),
    report(event) {
      if (event.kind === 'step-skipped') rec.skipped.push(event.step);
      rec.timeline.push({ kind: 'report', event });
    },
    expressionFailure: (step, err) => errors.expression(step, err),
    ...(hooks.errors?.run && { runFailure: hooks.errors.run }),
    ...(hooks.waits !== false && { waits }),
    ...NEW_RUN_SETTINGS,
  };
  return { runtime, recording: rec };
}
