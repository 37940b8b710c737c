// A dry run: the flow on the recording runtime (engine/recording-runtime.ts) with canned outputs
// and --fail, printed as it went (activity calls with their resolved arguments, timers, waits,
// skipped steps, failures). Touches nothing; secrets stay references.
import { executeFlow } from '../../engine/interpreter';
import { type RecordedStep, recordingRuntime } from '../../engine/recording-runtime';
import type { RunEvent } from '../../engine/run-events';
import type { FlowDefinition, FlowEvent } from '../../engine/types';

export interface DryRunOptions {
  /** Canned activity outputs by call label (step id, or id[index] in a forEach). */
  outputs: Record<string, unknown>;
  /** Labels whose call should fail, to see compensations and onFailure. */
  fail: Set<string>;
  print: (line: string) => void;
  /** The callback a wait step receives (--callback); without one, waits time out. */
  callback?: FlowEvent;
}

/** Runs the flow on the event and prints what it did; throws what the run would fail with. */
export async function dryRun(flow: FlowDefinition, event: FlowEvent, o: DryRunOptions): Promise<void> {
  const { runtime, recording } = recordingRuntime({
    answer({ label }) {
      if (o.fail.has(label)) throw new Error(`${label} failed (simulated by --fail)`);
      return o.outputs[label] ?? null;
    },
    callbacks: o.callback && [{ atMs: 0, event: o.callback }],
  });
  try {
    await executeFlow({ flow, event }, runtime);
  } finally {
    for (const step of recording.timeline) for (const line of dryRunLines(step, o.fail)) o.print(line);
  }
}

function dryRunLines(step: RecordedStep, fail: Set<string>): string[] {
  switch (step.kind) {
    case 'call': {
      const { label, uses, args } = step.call;
      const oneLine = JSON.stringify(args);
      const shown = (oneLine.length <= 100 ? oneLine : JSON.stringify(args, null, 2)).split('\n').map((line) => `      ${line}`);
      return [`  ▶ ${label}  ${uses}${fail.has(label) ? '  (fails: --fail)' : ''}`, ...shown];
    }
    case 'delay': return [`  ⏸ ${step.label}  wait ${step.duration} (durable timer)`];
    case 'wait': return [`  ⏸ ${step.label}  wait up to ${step.timeout} for ${step.types.join(' or ')} (durable timer; callbacks by signal)`];
    case 'callback': return [step.event ? `      received ${step.event.type} ${step.event.id} (--callback)` : '      nothing came (dry run): timed out'];
    case 'outcome': return [`  = outcome: ${step.value}`];
    case 'report': return [dryRunLine(step.event)].filter((line) => line !== undefined);
  }
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
