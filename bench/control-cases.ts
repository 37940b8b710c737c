// Case 6: what a flow control costs per event. The same one-step flow (a log step) runs for a
// batch of events three ways, taking turns: started directly (no control, as the ingress starts
// a plain flow), through a gate with `concurrency` that never binds, and through a gate with a
// `throttle` that never binds, all events of one key (the busiest case: one gate takes them all).
// Events are handed to Temporal from here exactly as the ingress does (start, or
// signal-with-start to the gate); one worker process (worker/main.ts) runs everything.
// Reported per side: runs completed per second (first send to last close) and CPU ms per run.
import type { Client } from '@temporalio/client';
import { EVENT_SIGNAL, FLOW_WORKFLOW_TYPE, type EventDelivery, type FlowRunInput } from '../engine/contract';
import { GATED_WORKFLOW_TYPE, type GateRunInput, gateWorkflowId } from '../engine/controls';
import type { FlowDefinition, FlowEvent } from '../engine/types';
import type { BenchContext, CpuPerEvent } from './context';
import { perEvent } from './context';
import { cpuMeter } from './cpu';
import { type Row, row } from './report';
import { startWorker } from './processes';
import { ratePerSecond } from './stats';

const TASK_QUEUE = 'bench-controls';
type Side = 'direct' | 'concurrency' | 'throttle';
const SIDES: Side[] = ['direct', 'concurrency', 'throttle'];

export interface ControlRun { side: Side; runs: number; completed: number; ratePerSec: number; cpuPerRun: CpuPerEvent }
export interface ControlResults { runs: ControlRun[] }

function flowOf(side: Side): FlowDefinition {
  return {
    name: `bench-${side}`, version: `bench-${side}-1`,
    trigger: { source: 'payments', events: ['payment.succeeded'] },
    steps: [{ id: 'note', uses: 'log', with: { message: 'ran {{ event.id }}' } }],
    ...(side === 'concurrency' && { concurrency: { limit: 1000 } }),
    ...(side === 'throttle' && { throttle: { limit: 10_000, period: '1s', burst: 10_000 } }),
  };
}

function sender(client: Client, side: Side, tag: string) {
  const flow = flowOf(side);
  return async (i: number) => {
    const event: FlowEvent = { id: `evt_${tag}_${i}`, type: 'payment.succeeded', source: 'payments', receivedAt: new Date().toISOString(), body: { id: `evt_${tag}_${i}` } };
    const workflowId = `${flow.name}:payments:${event.id}`;
    if (side === 'direct') {
      await client.workflow.start(FLOW_WORKFLOW_TYPE, { taskQueue: TASK_QUEUE, workflowId, args: [{ flow, event } satisfies FlowRunInput], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
      return;
    }
    await client.workflow.signalWithStart(GATED_WORKFLOW_TYPE, {
      taskQueue: TASK_QUEUE, workflowId: gateWorkflowId(flow, 'payments', tag), workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      args: [{ flow: flow.name, source: 'payments', key: tag } satisfies GateRunInput],
      signal: EVENT_SIGNAL, signalArgs: [{ event, flow, workflowId } satisfies EventDelivery],
    });
  };
}

/** Runs of this batch closed so far, and the last close time. */
async function closed(client: Client, tag: string): Promise<{ completed: number; closed: number; lastCloseMs: number }> {
  const out = { completed: 0, closed: 0, lastCloseMs: 0 };
  for await (const r of client.workflow.list({ query: `TaskQueue = "${TASK_QUEUE}" AND WorkflowType = "${FLOW_WORKFLOW_TYPE}" AND ExecutionStatus != "Running"` })) {
    if (!r.workflowId.includes(`evt_${tag}_`) || !r.closeTime) continue;
    out.closed++;
    if (r.status.name === 'COMPLETED') out.completed++;
    out.lastCloseMs = Math.max(out.lastCloseMs, r.closeTime.getTime());
  }
  return out;
}

async function batch(ctx: BenchContext, workerPid: number, side: Side, count: number): Promise<ControlRun> {
  const tag = ctx.tag(side.slice(0, 3));
  const send = sender(ctx.client, side, tag);
  const cpu = cpuMeter({ worker: () => [workerPid], temporal: () => ctx.infra.temporal });
  const began = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(ctx.options.connections, count) }, async () => { while (next < count) await send(next++); }));
  const deadline = Date.now() + ctx.options.maxSeconds * 1000;
  let seen = await closed(ctx.client, tag);
  while (seen.closed < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    seen = await closed(ctx.client, tag);
  }
  const used = cpu();
  return { side, runs: count, completed: seen.completed, ratePerSec: ratePerSecond(seen.completed, Math.max(1, seen.lastCloseMs - began)), cpuPerRun: perEvent(used, seen.completed) };
}

export async function controlCases(ctx: BenchContext): Promise<ControlResults> {
  const worker = await startWorker('worker/main.ts', ctx.child(TASK_QUEUE), ctx.client);
  const count = ctx.options.e2eEvents;
  const rounds = Math.max(1, Math.floor(ctx.options.rounds / 2));
  ctx.say(`case 6: cost of a flow control, ${count} runs per batch, one key; direct start, concurrency gate and throttle gate take turns, ${rounds} round(s)`);
  try {
    for (const side of SIDES) await batch(ctx, worker.pid, side, Math.max(10, Math.round(count / 10))); // warm-up
    const runs: ControlRun[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const side of r % 2 ? [...SIDES].reverse() : SIDES) {
        const run = await batch(ctx, worker.pid, side, count);
        ctx.say(`  ${side}: ${run.completed}/${run.runs} completed, ${run.ratePerSec.toFixed(1)} runs/s, CPU ms per run ${Object.entries(run.cpuPerRun).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
        runs.push(run);
      }
    }
    return { runs };
  } finally {
    await worker.stop();
  }
}

/** Rows: each gate against the direct start, rate (summed over rounds) and worker + Temporal CPU per run. */
export function controlRows(results: ControlResults | undefined): Row[] {
  if (!results) return [];
  const of = (side: Side) => results.runs.filter((r) => r.side === side);
  const rate = (side: Side) => { const rs = of(side); return rs.reduce((s, r) => s + r.ratePerSec, 0) / rs.length; };
  const cpu = (side: Side) => { const rs = of(side); return rs.reduce((s, r) => s + (r.cpuPerRun.worker ?? 0) + (r.cpuPerRun.temporal ?? 0), 0) / rs.length; };
  return (['concurrency', 'throttle'] as const).flatMap((side) => [
    row('6 controls', `runs/s through a ${side} gate, one key (vs direct)`, rate(side), rate('direct')),
    row('6 controls', `worker + Temporal CPU ms per run, ${side} (vs direct)`, cpu(side), cpu('direct')),
  ]);
}
