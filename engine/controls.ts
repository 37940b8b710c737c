// Flow controls (docs/flows.md#concurrency-and-throttle): which flows go through a gate, the
// gate's key, workflow id and input, and the throttle's arithmetic. The throttle is a GCRA
// (generic cell rate algorithm): one start every period/limit, up to `burst` at once after a
// quiet spell, kept as one number (the theoretical time of the next start), so it is cheap to
// carry across continue-as-new. Pure: shared by the ingress (routing) and the gate workflow.
import { checkedDurationMs } from './duration';
import type { QueuedEvent } from './contract';
import type { FlowDefinition } from './types';

export const GATED_WORKFLOW_TYPE = 'runGatedFlow';
export const GATE_QUERY = 'hookflow.gate';

export type GateControl = 'concurrency' | 'throttle';
/** HookflowOutcome of a gate: what its next event waits for (queued: a free slot; throttled: its start time). */
export type GateStatus = 'queued' | 'throttled' | 'draining' | 'idle';

/** The limits a gate applies, from the newest definition it has received. */
export interface GateControls {
  concurrency?: number;
  throttle?: { intervalMs: number; burst: number };
}

export interface GateRunInput {
  flow: string;
  source: string;
  /** The key value ('' for a per-flow gate). */
  key: string;
  /** Carried by continue-as-new: waiting events (definitions once, in `flows`), seen ids, limits, throttle state. */
  queue?: QueuedEvent[];
  flows?: Record<string, FlowDefinition>;
  seen?: string[];
  controls?: GateControls;
  /** Epoch ms before which the throttle allows no further start (beyond its burst). */
  nextStartAt?: number;
  /** Continue as new after this many starts (default 200); tests set small ones. */
  maxStartsPerRun?: number;
  /** Continue as new only once the backlog to carry fits in this many bytes (default 512 KiB). */
  maxCarriedBytes?: number;
}

/** What GATE_QUERY answers. */
export interface GateState {
  key: string;
  status: GateStatus;
  waiting: number;
  running: number;
  started: number;
  controls: GateControls;
}

export interface GateRunResult { started: number; failed: string[] }

export function isGated(flow: Pick<FlowDefinition, 'concurrency' | 'throttle'>): boolean {
  return Boolean(flow.concurrency || flow.throttle);
}

/** One key for both controls (the loader insists they agree); undefined: one gate per flow. */
export function gateKeyExpression(flow: Pick<FlowDefinition, 'concurrency' | 'throttle'>): string | undefined {
  return flow.concurrency?.key ?? flow.throttle?.key;
}

/** `<flow>/gate:<source>[:<key>]`: a flow name has no slash, so no run's id (`<flow>:…`) can be a gate's. */
export function gateWorkflowId(flow: Pick<FlowDefinition, 'name'>, source: string, key: string): string {
  return `${flow.name}/gate:${source}${key ? `:${key}` : ''}`;
}

export function gateControlsOf(flow: Pick<FlowDefinition, 'concurrency' | 'throttle'>): GateControls {
  const { concurrency, throttle } = flow;
  return {
    ...(concurrency && { concurrency: concurrency.limit }),
    ...(throttle && { throttle: { intervalMs: checkedDurationMs(throttle.period) / throttle.limit, burst: Math.min(throttle.burst ?? 1, throttle.limit) } }),
  };
}

/** Milliseconds until the throttle lets the start after `ahead` earlier ones go (0: now). */
export function throttleWaitMs(controls: GateControls, nextStartAt: number, now: number, ahead = 0): number {
  const t = controls.throttle;
  if (!t) return 0;
  return Math.max(0, nextStartAt + (ahead - (t.burst - 1)) * t.intervalMs - now);
}

/** The throttle's state after a start at `now`. */
export function nextStartAfter(controls: GateControls, nextStartAt: number, now: number): number {
  const t = controls.throttle;
  return t ? Math.max(nextStartAt, now) + t.intervalMs : nextStartAt;
}

/** The control that keeps an arriving event from starting at once, behind `ahead` waiting ones; undefined when it starts now. */
export function holdingControl(controls: GateControls, s: { running: number; ahead: number; nextStartAt: number; now: number }): GateControl | undefined {
  if (controls.concurrency !== undefined && s.running + s.ahead >= controls.concurrency) return 'concurrency';
  if (throttleWaitMs(controls, s.nextStartAt, s.now, s.ahead) > 0) return 'throttle';
  return undefined;
}
