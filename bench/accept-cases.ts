// Cases 1, 2 and the ingress half of 5: how fast the ingress accepts events, against starting
// the same runs directly; latency at half that rate; one against two ingress processes.
// The sides take turns in rounds (rotating order), so load from anything else on the machine
// falls on all of them alike. No worker runs here: runs go to task queues nobody polls.
import { type BenchContext, type CpuPerEvent, type RunFigures, addInto, describeRun, figures, perEvent } from './context';
import { cpuMeter } from './cpu';
import { directStartSender } from './direct-start';
import { autocannonLoad, httpEventSender } from './http-load';
import { type LaneResult, mergeLaneResults, roundOrder, runLanes, share } from './lanes';
import { RssSampler } from './memory';
import { startIngress } from './processes';

export interface AcceptResults {
  direct: RunFigures;
  ingress: RunFigures;
  /** CPU ms per accepted event by process group, per side of case 1. */
  cpuPerEvent: { direct: CpuPerEvent; ingress: CpuPerEvent; twoIngresses: CpuPerEvent };
  ingressRssMb: number;
  halfLoad: { ratePerSec: number; direct: RunFigures; ingress: RunFigures };
  twoIngresses: RunFigures;
  twoIngressesRssMb: number[];
}

interface Side {
  name: string;
  run(count: number, runTag: string): Promise<LaneResult>;
}

/** Runs `total` events per side, split into rounds; returns each side's merged result and CPU use. */
export async function interleave(ctx: BenchContext, sides: Side[], total: number, cpuGroups: Record<string, () => number[]> = {}): Promise<{ result: LaneResult; cpuMs: Record<string, number> }[]> {
  const rounds = ctx.options.rounds;
  const results = new Map(sides.map((s) => [s, { runs: [] as LaneResult[], cpuMs: {} as Record<string, number> }]));
  for (let r = 0; r < rounds; r++) {
    const count = share(total, rounds, r);
    if (count === 0) continue;
    for (const side of roundOrder(sides, r)) {
      const stop = cpuMeter(cpuGroups);
      const run = await side.run(count, ctx.tag(`r${r}`));
      const entry = results.get(side)!;
      entry.runs.push(run);
      addInto(entry.cpuMs, stop());
    }
  }
  return sides.map((s) => ({ result: mergeLaneResults(results.get(s)!.runs), cpuMs: results.get(s)!.cpuMs }));
}

export async function acceptCases(ctx: BenchContext): Promise<AcceptResults> {
  const { events, warmup, connections, maxSeconds } = ctx.options;
  const maxMs = maxSeconds * 1000;
  const directQueue = 'bench-accept-direct';
  const [single, ...pair] = await Promise.all([startIngress(ctx.child('bench-accept-1')), startIngress(ctx.child('bench-accept-2')), startIngress(ctx.child('bench-accept-2'))]);
  try {
    const direct: Side = { name: 'direct start', run: (count, tag) => runLanes({ count, concurrency: connections, maxMs, send: directStartSender(ctx.client, directQueue, tag) }) };
    const viaAutocannon = (name: string, urls: string[]): Side => ({ name, run: (count, runTag) => autocannonLoad({ urls, events: count, connections, maxSeconds, runTag }) });
    const one = viaAutocannon('1 ingress', [single.url!]);
    const two = viaAutocannon('2 ingresses', pair.map((p) => p.url!));
    const sides = [direct, one, two];

    ctx.say(`case 1 + 5: warm-up, then ${events} events per side in ${ctx.options.rounds} rounds: direct start (${connections} in flight), 1 ingress and 2 ingresses (autocannon, ${connections} connections)`);
    for (const side of sides) await side.run(warmup, ctx.tag('w'));
    const sampler = new RssSampler(() => [single, ...pair].map((p) => p.pid));
    sampler.start();
    const measured = await interleave(ctx, sides, events, {
      'Temporal server': () => ctx.infra.temporal,
      'ingress process(es)': () => [single, ...pair].map((p) => p.pid),
    });
    const [directRun, oneRun, twoRun] = measured.map((m) => figures(m.result));
    const [directCpu, oneCpu, twoCpu] = measured.map((m, i) => perEvent(m.cpuMs, [directRun, oneRun, twoRun][i].accepted));
    const peaks = sampler.stop();
    ctx.say(describeRun('  direct start', directRun));
    ctx.say(describeRun('  1 ingress', oneRun));
    ctx.say(describeRun('  2 ingresses', twoRun));

    const rate = Math.max(1, Math.round(oneRun.ratePerSec / 2));
    const halfCount = Math.max(1, Math.round(events / 2));
    ctx.say(`case 2: ${halfCount} events per side at ${rate}/s (half the ingress's rate), evenly paced, in rounds`);
    const paced = (send: (i: number) => Promise<string | number>, count: number) => runLanes({ count, concurrency: connections, ratePerSec: rate, maxMs, send });
    const [halfIngress, halfDirect] = (await interleave(ctx, [
      {
        name: 'ingress',
        run: async (count, tag) => {
          const http = httpEventSender([single.url!], tag, connections);
          try { return await paced(http.send, count); } finally { http.close(); }
        },
      },
      { name: 'direct', run: (count, tag) => paced(directStartSender(ctx.client, directQueue, tag), count) },
    ], halfCount)).map((m) => figures(m.result));
    ctx.say(describeRun('  ingress at half load', halfIngress));
    ctx.say(describeRun('  direct at half load', halfDirect));

    return {
      direct: directRun,
      ingress: oneRun,
      cpuPerEvent: { direct: directCpu, ingress: oneCpu, twoIngresses: twoCpu },
      ingressRssMb: peaks.get(single.pid) ?? NaN,
      halfLoad: { ratePerSec: rate, direct: halfDirect, ingress: halfIngress },
      twoIngresses: twoRun,
      twoIngressesRssMb: pair.map((p) => peaks.get(p.pid) ?? NaN),
    };
  } finally {
    await Promise.all([single, ...pair].map((p) => p.stop()));
  }
}
