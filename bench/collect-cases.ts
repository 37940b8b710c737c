// Case 7: what debounce and batch cost per event. The same events are handed to Temporal the
// way the ingress does it (planRuns + the run starter: a start, or a signal-with-start to a
// collector) for three versions of one small flow: plain (a run per event), debounced (10 keys,
// period 1s: a run per key) and batched (maxSize 50). One worker process (worker/main.ts) runs
// everything. Figures per event: hand-over time, CPU by process, Temporal history events written.
import pino from 'pino';
import type { FlowDefinition, FlowEvent } from '../engine/types';
import { planRuns } from '../server/starts/planned-runs';
import { createRunStarter } from '../server/starts/start-runs';
import { type BenchContext, type CpuPerEvent, type RunFigures, addInto, describeRun, figures, perEvent } from './context';
import { cpuMeter } from './cpu';
import { runLanes } from './lanes';
import { startWorker } from './processes';
import { type Row, row } from './report';

const TASK_QUEUE = 'bench-collect';
const KEYS = 10;

export interface CollectSide {
  name: string;
  events: number;
  handover: RunFigures;
  /** Flow runs that executed the events, and every workflow the side left (collectors included). */
  runs: number;
  workflows: number;
  /** Temporal history events written (all of the side's workflows) per event handed over. */
  historyEventsPerEvent: number;
  /** From the first hand-over to the last workflow closed. */
  windowMs: number;
  cpuPerEvent: CpuPerEvent;
}

const flowOf = (name: string, extra: Partial<FlowDefinition>): FlowDefinition => ({
  name, version: `bench-${name}`, trigger: { source: 'bench', events: ['bench.collect'] }, ...extra,
  steps: [{ id: 'note', uses: 'log', forEach: extra.batch ? '{{ events }}' : '{{ [event] }}', as: 'e', with: { message: 'collected {{ e.id }}', level: 'info' } }],
});

const SIDES: FlowDefinition[] = [
  flowOf('collect-plain', {}),
  flowOf('collect-debounce', { debounce: { key: 'event.body.key', period: '1s' } }),
  flowOf('collect-batch', { batch: { maxSize: 50, timeout: '2s' } }),
];

export async function collectCases(ctx: BenchContext): Promise<{ sides: CollectSide[]; rows: Row[] }> {
  const count = ctx.options.collectEvents;
  ctx.say(`case 7: ${count} events per side handed over as the ingress does (start, or signal-with-start to a collector), one worker process`);
  const worker = await startWorker('worker/main.ts', ctx.child(TASK_QUEUE), ctx.client);
  const starter = createRunStarter(ctx.client, TASK_QUEUE, pino({ level: 'silent' }));
  const sides: CollectSide[] = [];
  try {
    for (const flow of SIDES) {
      const tag = ctx.tag('c');
      const event = (i: number): FlowEvent => ({ id: `evt_${tag}_${i}`, type: 'bench.collect', source: 'bench', receivedAt: new Date().toISOString(), body: { key: `${tag}-k${i % KEYS}` } });
      const stopMeter = cpuMeter({ 'Temporal server': () => ctx.infra.temporal, FerretDB: () => ctx.infra.ferretdb, 'worker process': () => [worker.pid] });
      const began = Date.now();
      const handover = figures(await runLanes({
        count, concurrency: ctx.options.connections, maxMs: ctx.options.maxSeconds * 1000,
        send: async (i) => { const e = event(i); await starter(await planRuns([flow], e), e); return 'started'; },
      }));
      const { lastCloseMs, runs, workflows, historyEvents } = await waitUntilAllClosed(ctx, flow.name, began);
      const cpuMs: Record<string, number> = {};
      addInto(cpuMs, stopMeter());
      const events = Math.max(1, handover.accepted);
      const side: CollectSide = { name: flow.name, events: handover.accepted, handover, runs, workflows, historyEventsPerEvent: historyEvents / events, windowMs: lastCloseMs - began, cpuPerEvent: perEvent(cpuMs, events) };
      sides.push(side);
      ctx.say(describeRun(`  ${flow.name}: hand-over`, handover));
      ctx.say(`  ${flow.name}: ${side.runs} runs, ${side.workflows} workflows, ${side.historyEventsPerEvent.toFixed(1)} history events per event, all closed ${(side.windowMs / 1000).toFixed(1)} s after the first event; CPU ms per event ${Object.entries(side.cpuPerEvent).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
    }
  } finally {
    await worker.stop();
  }
  const [plain, debounce, batch] = sides;
  const cpu = (s: CollectSide) => Object.values(s.cpuPerEvent).reduce((a, b) => a + b, 0);
  const rows = [
    row('7 collect', 'CPU ms per event, debounce vs plain', cpu(debounce), cpu(plain)),
    row('7 collect', 'CPU ms per event, batch vs plain', cpu(batch), cpu(plain)),
    row('7 collect', 'hand-over p50 ms, debounce vs plain', debounce.handover.latencyMs.p50, plain.handover.latencyMs.p50),
    row('7 collect', 'hand-over p50 ms, batch vs plain', batch.handover.latencyMs.p50, plain.handover.latencyMs.p50),
    row('7 collect', 'history events per event, debounce vs plain', debounce.historyEventsPerEvent, plain.historyEventsPerEvent),
    row('7 collect', 'history events per event, batch vs plain', batch.historyEventsPerEvent, plain.historyEventsPerEvent),
  ];
  return { sides, rows };
}

/** Waits (bounded) until nothing of the flow runs, seen twice in a row; then reads what it left. */
async function waitUntilAllClosed(ctx: BenchContext, flow: string, since: number) {
  const query = `TaskQueue = "${TASK_QUEUE}" AND HookflowFlow = "${flow}"`;
  const deadline = Date.now() + ctx.options.maxSeconds * 1000;
  let quiet = 0;
  while (quiet < 2 && Date.now() < deadline) {
    const running = (await ctx.client.workflow.count(`${query} AND ExecutionStatus = "Running"`)).count;
    quiet = running === 0 ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (quiet < 2) ctx.say(`  ${flow}: INCOMPLETE, still running after ${ctx.options.maxSeconds} s`);
  let runs = 0;
  let workflows = 0;
  let historyEvents = 0;
  let lastCloseMs = since;
  for await (const w of ctx.client.workflow.list({ query })) {
    workflows++;
    if (w.type === 'runFlow') runs++;
    historyEvents += w.historyLength;
    lastCloseMs = Math.max(lastCloseMs, w.closeTime?.getTime() ?? 0);
  }
  return { runs, workflows, historyEvents, lastCloseMs };
}
