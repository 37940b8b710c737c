// The StepRuntime of a dry run: records what the interpreter would do (activity calls with
// their resolved arguments, timers, skipped steps) and touches nothing. Secrets stay references.
import type { StepRuntime } from '../../engine/run-context';
import type { RunEvent } from '../../engine/run-events';
import type { FlowEvent } from '../../engine/types';

export interface DryRunOptions {
  /** Canned activity outputs by call label (step id, or id[index] in a forEach). */
  outputs: Record<string, unknown>;
  /** Labels whose call should fail, to see compensations and onFailure. */
  fail: Set<string>;
  print: (line: string) => void;
  /** The callback a wait step receives (--callback); without one, waits time out. */
  callback?: FlowEvent;
}

export function dryRunRuntime(o: DryRunOptions): StepRuntime {
  return {
    async callActivity(call, args, label) {
      const failing = o.fail.has(label);
      o.print(`  ▶ ${label}  ${call.uses}${failing ? '  (fails: --fail)' : ''}`);
      const oneLine = JSON.stringify(args);
      for (const line of (oneLine.length <= 100 ? oneLine : JSON.stringify(args, null, 2)).split('\n')) o.print(`      ${line}`);
      if (failing) throw new Error(`${label} failed (simulated by --fail)`);
      return o.outputs[label] ?? null;
    },
    async sleep(duration, label) {
      o.print(`  ⏸ ${label}  wait ${duration} (durable timer)`);
    },
    cleanup: (fn) => fn(),
    report(event) {
      const line = dryRunLine(event);
      if (line) o.print(line);
    },
    expressionFailure: (step, err) => new Error(`step ${step}: ${err.message}`),
    guards: true, // as a new run: path values encoded, forEach capped, operators from data refused
    waits: {
      async awaitEvent(types, timeout, label) {
        o.print(`  ⏸ ${label}  wait up to ${timeout} for ${types.join(' or ')} (durable timer; callbacks by signal)`);
        if (o.callback && types.includes(o.callback.type)) {
          const callback = o.callback;
          o.callback = undefined;
          o.print(`      received ${callback.type} ${callback.id} (--callback)`);
          return callback;
        }
        o.print('      nothing came (dry run): timed out');
        return undefined;
      },
      outcome(value) {
        if (value !== 'waiting') o.print(`  = outcome: ${value}`);
      },
      failure: (type, message) => new Error(`${type}: ${message}`),
      canRetry: () => true,
    },
  };
}

/** How a dry run shows what the interpreter reports; undefined: not shown. */
export function dryRunLine(event: RunEvent): string | undefined {
  switch (event.kind) {
    case 'step-skipped': return `  – ${event.step}  skipped: its condition is false`;
    case 'flow-failed': return `  ✗ failed at ${event.error.step}: ${event.error.message}; compensating ${event.compensations} step(s), then onFailure`;
    case 'on-failure-failed': return `  ! onFailure failed: ${event.message}`;
    case 'compensation-failed': return `  ! compensation of ${event.step} failed: ${event.message}`;
    default: return undefined;
  }
}
