// Case `tracing`: what OpenTelemetry tracing costs per event (issue 28), as ratios taken in one
// run. Three sides, each its own ingress and worker process on its own task queue, take turns
// sending the shipped payment flow's events and waiting for their runs: tracing off, tracing off
// again (the two off sides differ only by chance: their ratio is the run's noise), and tracing on,
// exporting every span over OTLP to a Jaeger this case starts (devstack/jaeger.ts). CPU is read
// from /proc per process (bench/cpu.ts), so waiting for a core costs nothing: the ingress's while
// the events are sent and answered, the worker's until their runs have closed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchContext, addInto, figures, perEvent } from './context';
import { cpuMeter } from './cpu';
import { seedInventory, seedOrders, waitForClosed } from './e2e';
import { httpEventSender } from './http-load';
import { roundOrder, runLanes, share } from './lanes';
import { type BenchChild, startIngress, startWorker } from './processes';
import { type Row, row } from './report';
import { freePort } from '../lib/net';
import { JAEGER_TOOL, startJaeger } from '../devstack/jaeger';
import { ensureTool } from '../devstack/tools';

interface Side {
  name: 'off' | 'off (again)' | 'on';
  taskQueue: string;
  env: Record<string, string>;
  ingress?: BenchChild;
  worker?: BenchChild;
  closed: number;
  events: number;
  cpuMs: Record<string, number>;
  /** CPU ms per event of each measured round (the rounds' ratios show the spread). */
  perRound: { ingress: number; worker: number }[];
}

export interface TracingCost {
  events: number;
  /** CPU ms per completed event, by side and process. */
  cpuPerEvent: Record<Side['name'], { ingress: number; worker: number }>;
  /** On against the mean of the two off sides, per process. */
  onVsMeanOff: Record<'ingress' | 'worker', number>;
  /** Each round's ratio against off, per process: median, lowest and highest. */
  roundRatios: Record<'off (again)' | 'on', Record<'ingress' | 'worker', { median: number; min: number; max: number; each: number[] }>>;
}

export async function tracingCostCase(ctx: BenchContext): Promise<TracingCost> {
  await seedInventory(ctx.db);
  const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-bench-jaeger-'));
  const jaeger = await startJaeger({ bin: ensureTool(JAEGER_TOOL), dataDir, ports: { otlpHttp: await freePort(), otlpGrpc: await freePort(), ui: await freePort(), queryGrpc: await freePort() } });
  const off = { OTEL_EXPORTER_OTLP_ENDPOINT: '', HOOKFLOW_TRACING: '' };
  const sides: Side[] = [
    { name: 'off', taskQueue: 'bench-trace-off', env: off, closed: 0, events: 0, cpuMs: {}, perRound: [] },
    { name: 'off (again)', taskQueue: 'bench-trace-off-2', env: off, closed: 0, events: 0, cpuMs: {}, perRound: [] },
    { name: 'on', taskQueue: 'bench-trace-on', env: { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint }, closed: 0, events: 0, cpuMs: {}, perRound: [] },
  ];
  const rounds = Math.max(2, ctx.options.rounds);
  const total = ctx.options.e2eEvents;
  try {
    for (const s of sides) {
      const opts = { ...ctx.child(s.taskQueue), env: s.env };
      [s.ingress, s.worker] = await Promise.all([startIngress(opts), startWorker('worker/main.ts', opts, ctx.client)]);
    }
    ctx.say(`case tracing: off, off again and on (to Jaeger at ${jaeger.uiUrl}) take turns, ${rounds} rounds, ${total} events per side`);
    for (const s of sides) await batch(ctx, s, Math.max(10, Math.round(total / 10)), false); // warm-up: bundles loaded, JIT warm
    for (let r = 0; r < rounds; r++) for (const s of roundOrder(sides, r)) await batch(ctx, s, share(total, rounds, r), true);
  } finally {
    await Promise.all(sides.flatMap((s) => [s.ingress?.stop(), s.worker?.stop()]));
    await jaeger.process.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const cpuPerEvent = Object.fromEntries(sides.map((s) => {
    const per = perEvent(s.cpuMs, s.events);
    return [s.name, { ingress: per.ingress, worker: per.worker }];
  })) as TracingCost['cpuPerEvent'];
  for (const s of sides) ctx.say(`  tracing ${s.name}: ${s.events} events, CPU ms per event: ingress ${cpuPerEvent[s.name].ingress.toFixed(2)}, worker ${cpuPerEvent[s.name].worker.toFixed(2)}`);
  const roundRatios = Object.fromEntries(sides.slice(1).map((s) => [s.name, Object.fromEntries((['ingress', 'worker'] as const).map((p) => {
    const each = s.perRound.map((r, i) => r[p] / sides[0].perRound[i][p]);
    const sorted = [...each].sort((a, b) => a - b);
    return [p, { median: (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2, min: sorted[0], max: sorted[sorted.length - 1], each }];
  }))])) as TracingCost['roundRatios'];
  // The two off sides differ only by chance; their mean is the steadier estimate of "off".
  const onVsMeanOff = Object.fromEntries((['ingress', 'worker'] as const).map((p) => [p, cpuPerEvent.on[p] / ((cpuPerEvent.off[p] + cpuPerEvent['off (again)'][p]) / 2)])) as TracingCost['onVsMeanOff'];
  ctx.say(`  on vs the mean of both off sides: ingress ${onVsMeanOff.ingress.toFixed(3)}, worker ${onVsMeanOff.worker.toFixed(3)}`);
  for (const [name, r] of Object.entries(roundRatios)) ctx.say(`  ${name} vs off, per round: ingress median ${r.ingress.median.toFixed(3)} (${r.ingress.min.toFixed(3)}–${r.ingress.max.toFixed(3)}), worker median ${r.worker.median.toFixed(3)} (${r.worker.min.toFixed(3)}–${r.worker.max.toFixed(3)})`);
  return { events: total, cpuPerEvent, onVsMeanOff, roundRatios };
}

/** Sends `count` events to the side's ingress and waits for their runs to close; `measured` adds their CPU. */
async function batch(ctx: BenchContext, side: Side, count: number, measured: boolean): Promise<void> {
  if (count === 0) return;
  const tag = ctx.tag('t');
  await seedOrders(ctx.db, tag, 0, count);
  const sender = httpEventSender([side.ingress!.url!], tag, ctx.options.connections);
  // The ingress's work for an event ends with its answer; the worker's when the run closes. Each is
  // read over its own window, so the ingress is not charged its idle loops (relay polls, pool
  // heartbeats) while it waits for a slower worker.
  const stopIngress = cpuMeter({ ingress: () => [side.ingress!.pid] });
  const stopWorker = cpuMeter({ worker: () => [side.worker!.pid] });
  const { accepted } = figures(await runLanes({ count, concurrency: ctx.options.connections, maxMs: ctx.options.maxSeconds * 1000, send: sender.send }));
  const ingressUsed = stopIngress();
  sender.close?.();
  side.closed = await waitForClosed(ctx.client, side.taskQueue, side.closed + accepted, ctx.options.maxSeconds * 1000);
  const used = { ingress: ingressUsed.ingress, worker: stopWorker().worker };
  if (!measured) return;
  addInto(side.cpuMs, used);
  side.events += accepted;
  side.perRound.push({ ingress: used.ingress / accepted, worker: used.worker / accepted });
}

export function tracingRows(cost?: TracingCost): Row[] {
  if (!cost) return [];
  const { off, on } = cost.cpuPerEvent;
  const again = cost.cpuPerEvent['off (again)'];
  // On is read against the mean of the two identical off sides: a steadier "off" than either alone.
  const meanOff = (p: 'ingress' | 'worker') => (off[p] + again[p]) / 2;
  return [
    row('tracing', 'ingress CPU ms per event, off again vs off (noise)', again.ingress, off.ingress, { ratioAtMost: 1.02 }),
    row('tracing', 'worker CPU ms per event, off again vs off (noise)', again.worker, off.worker, { ratioAtMost: 1.02 }),
    row('tracing', 'ingress CPU ms per event, on (to Jaeger) vs mean of both off', on.ingress, meanOff('ingress'), { ratioAtMost: 1.1 }),
    row('tracing', 'worker CPU ms per event, on (to Jaeger) vs mean of both off', on.worker, meanOff('worker'), { ratioAtMost: 1.1 }),
  ];
}
