// Cases 1, 2 and the ingress half of 5: how fast the ingress accepts events, against starting
// the same runs directly; latency at half that rate; one against two ingress processes.
// No worker runs during these cases: runs are started on task queues nobody polls.
import { type BenchContext, type RunFigures, describeRun, figures } from './context';
import { directStartSender } from './direct-start';
import { autocannonLoad, httpEventSender } from './http-load';
import { runLanes } from './lanes';
import { RssSampler } from './memory';
import { type BenchChild, startIngress } from './processes';

export interface AcceptResults {
  direct: RunFigures;
  ingress: RunFigures;
  ingressRssMb: number;
  halfLoad: { ratePerSec: number; direct: RunFigures; ingress: RunFigures };
  twoIngresses: RunFigures;
  twoIngressesRssMb: number[];
}

export async function acceptCases(ctx: BenchContext): Promise<AcceptResults> {
  const { events, warmup, connections, maxSeconds } = ctx.options;
  const maxMs = maxSeconds * 1000;

  ctx.say(`case 1: direct client.workflow.start baseline, ${connections} in flight`);
  const directQueue = 'bench-accept-direct';
  await runLanes({ count: warmup, concurrency: connections, maxMs, send: directStartSender(ctx.client, directQueue, ctx.tag('dw')) });
  const direct = figures(await runLanes({ count: events, concurrency: connections, maxMs, send: directStartSender(ctx.client, directQueue, ctx.tag('d')) }));
  ctx.say(describeRun('  direct start', direct));

  ctx.say(`case 1: one ingress process, autocannon with ${connections} connections`);
  const ingress = await startIngress(ctx.child('bench-accept-1'));
  const single = await measureIngress(ctx, [ingress]);
  ctx.say(describeRun('  ingress', single.figures));

  const rate = Math.max(1, Math.round(single.figures.ratePerSec / 2));
  const halfCount = Math.max(1, Math.round(events / 2));
  ctx.say(`case 2: ${halfCount} events at ${rate}/s (half the ingress's rate), evenly paced, both sides`);
  const http = httpEventSender([ingress.url!], ctx.tag('hi'), connections);
  const halfIngress = figures(await runLanes({ count: halfCount, concurrency: connections, ratePerSec: rate, maxMs, send: http.send }));
  http.close();
  ctx.say(describeRun('  ingress at half load', halfIngress));
  const halfDirect = figures(await runLanes({ count: halfCount, concurrency: connections, ratePerSec: rate, maxMs, send: directStartSender(ctx.client, directQueue, ctx.tag('hd')) }));
  ctx.say(describeRun('  direct at half load', halfDirect));
  await ingress.stop();

  ctx.say('case 5: two ingress processes, load split evenly');
  const pair = await Promise.all([startIngress(ctx.child('bench-accept-2')), startIngress(ctx.child('bench-accept-2'))]);
  const two = await measureIngress(ctx, pair);
  ctx.say(describeRun('  two ingresses', two.figures));
  await Promise.all(pair.map((p) => p.stop()));

  return {
    direct,
    ingress: single.figures,
    ingressRssMb: single.rssMb[0],
    halfLoad: { ratePerSec: rate, direct: halfDirect, ingress: halfIngress },
    twoIngresses: two.figures,
    twoIngressesRssMb: two.rssMb,
  };
}

/** Warm-up, then the measured autocannon run, sampling each ingress's RSS meanwhile. */
export async function measureIngress(ctx: BenchContext, ingresses: BenchChild[], onLoadStart?: () => void): Promise<{ figures: RunFigures; rssMb: number[] }> {
  const { events, warmup, connections, maxSeconds } = ctx.options;
  const urls = ingresses.map((i) => i.url!);
  await autocannonLoad({ urls, events: warmup, connections, maxSeconds, runTag: ctx.tag('iw') });
  const sampler = new RssSampler(() => ingresses.map((i) => i.pid));
  sampler.start();
  onLoadStart?.();
  const result = figures(await autocannonLoad({ urls, events, connections, maxSeconds, runTag: ctx.tag('i') }));
  const peaks = sampler.stop();
  return { figures: result, rssMb: ingresses.map((i) => peaks.get(i.pid) ?? NaN) };
}
