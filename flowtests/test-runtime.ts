// The StepRuntime of `hookflow test`: the interpreter (engine/interpreter.ts) calls it exactly as
// it calls the Temporal binding (workflows/run-flow.ts, workflows/correlated.ts), and it answers
// with the case's simulated outcomes instead of activities, on a simulated clock instead of
// durable timers, touching nothing. It records every call for the expectations and for coverage.
import Ajv, { type ValidateFunction } from 'ajv';
import { activityCatalog } from '../engine/activity-catalog';
import { checkedDurationMs } from '../engine/duration';
import type { RunOutcome } from '../engine/contract';
import type { StepRuntime, WaitRuntime } from '../engine/run-context';
import type { FlowEvent } from '../engine/types';
import type { SimulatedOutcome } from './test-file';

/** What a new run starts with in the worker (workflows/run-flow.ts NEW_RUN_PATCH); test/unit/flow-test-runtime.test.ts keeps them equal. */
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

export interface Recording {
  calls: RecordedCall[];
  skipped: string[];
  /** Ids of steps that began (activities, delays, waits). */
  reached: Set<string>;
  /** Each wait step's outcome: received, timed_out, reconciled, reconciliation_exhausted. */
  waitOutcomes: Map<string, RunOutcome>;
  clockMs: number;
}

export interface Simulation {
  outcomes: Record<string, SimulatedOutcome | SimulatedOutcome[]>;
  /** Callbacks for a correlated run, in order of arrival. */
  callbacks: { atMs: number; event: FlowEvent }[];
  correlated: boolean;
}

/** A failure as the workflow sees it: a message and the error type (ApplicationFailure's). */
export class SimulatedFailure extends Error {
  constructor(message: string, readonly type: string) {
    super(message);
  }
}

const ajv = new Ajv({ allErrors: false, strict: false });
const catalogChecks = new Map<string, ValidateFunction>(Object.entries(activityCatalog).map(([name, spec]) => [name, ajv.compile(spec.args)]));

/** The label a simulated outcome may be given by: the step id, without forEach index or round. */
export const stepIdOf = (label: string): string => label.replace(/\[\d+\]/g, '').replace(/#\d+/g, '').replace(/ retry \d+$/, '').replace(/\.compensate$/, '');

export function testRuntime(sim: Simulation): { runtime: StepRuntime; recording: Recording } {
  const rec: Recording = { calls: [], skipped: [], reached: new Set(), waitOutcomes: new Map(), clockMs: 0 };
  const used = new Map<string, number>();
  const pending = [...sim.callbacks];
  let currentWait: string | undefined;

  const outcomeFor = (label: string): SimulatedOutcome | undefined => {
    const compensation = label.endsWith('.compensate');
    const keys = [label, compensation ? `${label.replace(/\[\d+\]|#\d+/g, '')}` : stepIdOf(label)];
    for (const key of keys) {
      const given = sim.outcomes[key];
      if (given === undefined) continue;
      if (!Array.isArray(given)) return given;
      const n = used.get(key) ?? 0;
      used.set(key, n + 1);
      return given[Math.min(n, given.length - 1)];
    }
    return undefined;
  };

  const waits: WaitRuntime = {
    async awaitEvent(types, timeout, label) {
      currentWait = stepIdOf(label);
      rec.reached.add(currentWait);
      const deadline = rec.clockMs + checkedDurationMs(timeout);
      // The correlated run's inbox: the first buffered or arriving event of one of the types.
      const index = pending.findIndex((c) => types.includes(c.event.type) && c.atMs <= deadline);
      if (index < 0) {
        rec.clockMs = deadline;
        return undefined;
      }
      const [callback] = pending.splice(index, 1);
      rec.clockMs = Math.max(rec.clockMs, callback.atMs);
      return callback.event;
    },
    outcome(value) {
      if (currentWait && value !== 'waiting') rec.waitOutcomes.set(currentWait, value);
    },
    failure: (type, message) => new SimulatedFailure(message, type),
    canRetry: () => true,
  };

  const runtime: StepRuntime = {
    async callActivity(call, args, label) {
      const compensation = label.endsWith('.compensate');
      rec.calls.push({ label, uses: call.uses, args, compensation, at: rec.clockMs });
      if (!compensation) rec.reached.add(stepIdOf(label));
      // The activity checks its rendered arguments first (activities/catalog-check.ts), and fails at once.
      const check = catalogChecks.get(call.uses);
      if (check && !check(args)) {
        const e = check.errors![0];
        throw new SimulatedFailure(`${call.uses}: ${e.instancePath ? `argument "${e.instancePath.slice(1).replace(/\//g, '.')}"` : 'arguments'} ${e.message} (as rendered at run time)`, 'InvalidArguments');
      }
      const outcome = outcomeFor(label);
      if (outcome?.fail !== undefined) {
        const fail = typeof outcome.fail === 'string' ? { message: outcome.fail } : outcome.fail;
        throw new SimulatedFailure(fail.message, fail.type ?? 'SimulatedFailure');
      }
      return outcome?.output === undefined ? null : structuredClone(outcome.output);
    },
    async sleep(duration, label) {
      rec.reached.add(stepIdOf(label));
      rec.clockMs += checkedDurationMs(duration);
    },
    cleanup: (fn) => fn(),
    log(message, fields) {
      if (message.startsWith('step skipped')) rec.skipped.push(String(fields.step));
    },
    expressionFailure: (step, err) => new SimulatedFailure(`step ${step}: ${err.message}`, 'ExpressionError'),
    runFailure: stepFailure,
    ...(sim.correlated && { waits }),
    ...NEW_RUN_SETTINGS,
  };
  return { runtime, recording: rec };
}

/** As workflows/run-flow.ts stepFailure: the run's failure names the failed step and its activity. */
function stepFailure(err: unknown, step: string | undefined, activity: string | undefined): unknown {
  if (!step || !(err instanceof Error)) return err;
  if (err.message.startsWith(`step ${step}`)) return err;
  const type = err instanceof SimulatedFailure ? err.type : err.name;
  return new SimulatedFailure(`step ${step}${activity ? ` (${activity})` : ''}: ${err.message}`, type);
}
