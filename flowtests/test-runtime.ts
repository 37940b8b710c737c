// The runtime of `hookflow test`: the recording runtime (engine/recording-runtime.ts), which the
// interpreter calls exactly as it calls the Temporal binding (workflows/run-flow.ts,
// workflows/correlated.ts), answering with the case's simulated outcomes, checking arguments as
// the activities do, on a clock that timers and waits advance, and failing with typed failures as
// a workflow does. Its recording feeds the expectations and coverage.
import Ajv, { type ValidateFunction } from 'ajv';
import { activityCatalog } from '../engine/activity-catalog';
import { checkedDurationMs } from '../engine/duration';
import { type RecordedCall, type Recording, recordingRuntime, stepIdOf } from '../engine/recording-runtime';
import type { StepRuntime } from '../engine/run-context';
import type { FlowEvent } from '../engine/types';
import type { SimulatedOutcome } from './test-file';

export { NEW_RUN_SETTINGS, stepIdOf } from '../engine/recording-runtime';
export type { RecordedCall, Recording } from '../engine/recording-runtime';

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

export function testRuntime(sim: Simulation): { runtime: StepRuntime; recording: Recording } {
  const used = new Map<string, number>();
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

  return recordingRuntime({
    answer(call: RecordedCall) {
      // The activity checks its rendered arguments first (activities/catalog-check.ts), and fails at once.
      const check = catalogChecks.get(call.uses);
      if (check && !check(call.args)) {
        const e = check.errors![0];
        throw new SimulatedFailure(`${call.uses}: ${e.instancePath ? `argument "${e.instancePath.slice(1).replace(/\//g, '.')}"` : 'arguments'} ${e.message} (as rendered at run time)`, 'InvalidArguments');
      }
      const outcome = outcomeFor(call.label);
      if (outcome?.fail !== undefined) {
        const fail = typeof outcome.fail === 'string' ? { message: outcome.fail } : outcome.fail;
        throw new SimulatedFailure(fail.message, fail.type ?? 'SimulatedFailure');
      }
      return outcome?.output === undefined ? null : structuredClone(outcome.output);
    },
    callbacks: sim.callbacks,
    durationMs: checkedDurationMs,
    waits: sim.correlated,
    errors: {
      expression: (step, err) => new SimulatedFailure(`step ${step}: ${err.message}`, 'ExpressionError'),
      wait: (type, message) => new SimulatedFailure(message, type),
      run: stepFailure,
    },
  });
}

/** As workflows/run-flow.ts stepFailure: the run's failure names the failed step and its activity. */
function stepFailure(err: unknown, step: string | undefined, activity: string | undefined): unknown {
  if (!step || !(err instanceof Error)) return err;
  if (err.message.startsWith(`step ${step}`)) return err;
  const type = err instanceof SimulatedFailure ? err.type : err.name;
  return new SimulatedFailure(`step ${step}${activity ? ` (${activity})` : ''}: ${err.message}`, type);
}
