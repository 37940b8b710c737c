// What a flow would do with an event, without doing it: the interpreter's own step logic run on
// the recording runtime (recording-runtime.ts: no activity, timer or signal), with the step
// outputs the event's original run recorded where there are some; no callback comes, waits time out. `hookflow replay --candidate` and the console's "try against the
// flows on disk" run an event through two sets of definitions this way and compare
// (engine/what-if-diff.ts). Pure: no I/O.
import type { StepOutcome } from './contract';
import { executeFlow } from './interpreter';
import { type RecordedStep, recordingRuntime } from './recording-runtime';
import { selectFlows } from './select';
import type { FlowDefinition, FlowEvent } from './types';

/** What an event's original run of a flow left: its step outcomes (the run's result), when it completed. */
export interface RecordedRun {
  flow: string;
  workflowId?: string;
  /** Temporal's status of the run (COMPLETED, FAILED, …), when it was found. */
  status?: string;
  /** The run's steps by id, from its result; absent when the run did not complete or is gone. */
  steps?: Record<string, StepOutcome>;
  /** The definition the run executed (its input), when its history was read. */
  ran?: FlowDefinition;
}

export interface SimulatedCall {
  label: string;
  /** The activity, or "delay" / "wait" for timers and callbacks. */
  uses: string;
  args: unknown;
}

export type StartVerdict = { starts: true } | { starts: false; why: string };

export interface Simulation {
  flow: string;
  version: string;
  start: StartVerdict;
  calls: SimulatedCall[];
  /** Step ids whose `if` was false. */
  skipped: string[];
  /** "completed", or "failed: <message>"; absent when the flow does not start. */
  outcome?: string;
  /** Calls that had no recorded output (null was used): steps the original run did not reach or record. */
  unknownOutputs: string[];
}

/** A label's step and item: "reserve[2]#2.compensate" → reserve, 2. */
const LABEL = /^([^[#]+?)(?:\[(\d+)\])?(?:#\d+)?(\.compensate)?$/;

function recordedOutput(steps: Record<string, StepOutcome> | undefined, label: string): { found: boolean; value: unknown } {
  const m = LABEL.exec(label);
  if (!steps || !m || m[3]) return { found: false, value: null };
  const outcome = steps[m[1]];
  if (!outcome || outcome.status !== 'completed') return { found: false, value: null };
  if (m[2] === undefined) return { found: true, value: outcome.output ?? null };
  const list = outcome.output;
  return Array.isArray(list) && Number(m[2]) < list.length ? { found: true, value: list[Number(m[2])] ?? null } : { found: false, value: null };
}

/** Whether the flow starts a run of its own on the event (not a callback of a correlated run). */
export async function startVerdict(flow: FlowDefinition, event: FlowEvent): Promise<StartVerdict> {
  if (flow.trigger.source !== event.source) return { starts: false, why: `it listens to source ${flow.trigger.source}` };
  let selected: FlowDefinition[];
  try {
    selected = await selectFlows([flow], event);
  } catch (err) {
    return { starts: false, why: `its filter fails: ${(err as Error).message}` };
  }
  if (!selected.length) {
    return flow.trigger.events.includes(event.type) ? { starts: false, why: `its filter is false: ${flow.trigger.filter}` } : { starts: false, why: `it starts on ${flow.trigger.events.join(', ')}` };
  }
  if (!flow.trigger.events.includes(event.type)) return { starts: false, why: `"${event.type}" is a callback of its runs, not a start` };
  return { starts: true };
}

/** Runs one flow on the event with a recorder; recorded step outcomes stand in for what the activities returned. */
export async function simulate(flow: FlowDefinition, event: FlowEvent, recorded?: RecordedRun): Promise<Simulation> {
  const sim: Simulation = { flow: flow.name, version: flow.version, start: await startVerdict(flow, event), calls: [], skipped: [], unknownOutputs: [] };
  if (!sim.start.starts) return sim;
  const { runtime, recording } = recordingRuntime({
    answer({ label }) {
      const { found, value } = recordedOutput(recorded?.steps, label);
      if (!found) sim.unknownOutputs.push(label);
      return value;
    },
  });
  try {
    await executeFlow({ flow, event }, runtime);
    sim.outcome = 'completed';
  } catch (err) {
    sim.outcome = `failed: ${(err as Error).message}`;
  }
  sim.calls.push(...recording.timeline.flatMap(simulatedCall));
  sim.skipped.push(...recording.skipped);
  return sim;
}

/** Calls, delays and waits as a comparison lines them up. */
function simulatedCall(step: RecordedStep): SimulatedCall[] {
  switch (step.kind) {
    case 'call': return [{ label: step.call.label, uses: step.call.uses, args: step.call.args }];
    case 'delay': return [{ label: step.label, uses: 'delay', args: { duration: step.duration } }];
    case 'wait': return [{ label: step.label, uses: 'wait', args: { for: step.types, timeout: step.timeout } }];
    default: return [];
  }
}
