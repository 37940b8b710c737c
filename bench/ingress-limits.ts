// Cases 6 and 7: the ingress at its limits. Overload: events at twice the maximum accept rate
// (case 1's, or measured here), evenly paced for a fixed time, open loop (enough lanes that a slow
// answer never slows the offer); every answer is a fast 2xx or a fast 503 + Retry-After, and
// every 2xx is found in the store. Degraded: an ingress whose Temporal is unreachable against one
// whose Temporal is up, taking turns in rounds, same load: the breaker should make them equal.
import { freePort } from '../lib/net';
import { interleave } from './accept-cases';
import { type BenchContext, describeRun, figures, type RunFigures } from './context';
import { autocannonLoad, httpEventSender } from './http-load';
import { runLanes } from './lanes';
import { RssSampler } from './memory';
import { MONGODB_DB, startIngress } from './processes';
import { percentile } from './stats';

export interface LimitResults {
  overload: {
    maxRatePerSec: number;
    offeredPerSec: number;
    seconds: number;
    run: RunFigures;
    /** p99 of the 503 answers alone (ms). */
    refusedP99Ms: number;
    /** 2xx answers without their delivery record in the store (should be none). */
    unhonoured: number;
    /** 503 answers without Retry-After (should be none). */
    withoutRetryAfter: number;
    ingressRssMb: number;
  };
  degraded: { up: RunFigures; down: RunFigures };
}

export async function limitCases(ctx: BenchContext, maxRatePerSec?: number): Promise<LimitResults> {
  return { overload: await overloadCase(ctx, maxRatePerSec), degraded: await degradedCase(ctx) };
}

async function overloadCase(ctx: BenchContext, knownRate?: number): Promise<LimitResults['overload']> {
  const { connections, maxSeconds, warmup, overloadSeconds } = ctx.options;
  const ingress = await startIngress(ctx.child('bench-overload'));
  try {
    await autocannonLoad({ urls: [ingress.url!], events: warmup, connections, maxSeconds, runTag: ctx.tag('ow') });
    let maxRate = knownRate;
    if (!maxRate) {
      const probe = figures(await autocannonLoad({ urls: [ingress.url!], events: ctx.options.events, connections, maxSeconds, runTag: ctx.tag('om') }));
      maxRate = probe.ratePerSec;
    }
    const offered = Math.max(2, Math.round(maxRate * 2));
    const count = offered * overloadSeconds;
    // Open loop: lanes enough for every request of 2 s in flight at once.
    const lanes = Math.min(2000, offered * 2);
    ctx.say(`case 6 overload: ${count} events at ${offered}/s (2 × ${maxRate.toFixed(0)}/s) for ${overloadSeconds} s, up to ${lanes} in flight`);
    const tag = ctx.tag('o');
    const http = httpEventSender([ingress.url!], tag, lanes, true);
    const sampler = new RssSampler(() => [ingress.pid]);
    sampler.start();
    let raw;
    try {
      raw = await runLanes({ count, concurrency: lanes, ratePerSec: offered, maxMs: (overloadSeconds + maxSeconds) * 1000, send: http.send });
    } finally {
      http.close();
    }
    const rss = sampler.stop().get(ingress.pid) ?? NaN;
    const run = figures(raw);
    const refused = raw.latencies.filter((_, i) => raw.statuses[i] === 503).sort((a, b) => a - b);
    const accepted = run.accepted;
    const stored = await ctx.db.collection('hookflow_deliveries').countDocuments({ eventId: { $regex: `^evt_${tag}_` }, outcome: 'accepted' });
    ctx.say(describeRun('  overload', run));
    return {
      maxRatePerSec: maxRate, offeredPerSec: offered, seconds: overloadSeconds, run,
      refusedP99Ms: refused.length ? percentile(refused, 99) : NaN,
      unhonoured: Math.max(0, accepted - stored),
      withoutRetryAfter: http.withoutRetryAfter(),
      ingressRssMb: rss,
    };
  } finally {
    await ingress.stop();
  }
}

async function degradedCase(ctx: BenchContext): Promise<LimitResults['degraded']> {
  const { connections, maxSeconds, warmup } = ctx.options;
  const events = Math.max(connections, Math.round(ctx.options.events / 2));
  const deadTemporal = `127.0.0.1:${await freePort()}`;
  const [up, down] = await Promise.all([
    startIngress(ctx.child('bench-degraded-up')),
    // Its own database: the up ingress's relay must not start the down one's pending events.
    startIngress({ ...ctx.child('bench-degraded-down'), env: { TEMPORAL_ADDRESS: deadTemporal, MONGODB_DB: `${MONGODB_DB}_degraded` } }),
  ]);
  try {
    const side = (name: string, url: string) => ({ name, run: (count: number, runTag: string) => autocannonLoad({ urls: [url], events: count, connections, maxSeconds, runTag }) });
    const sides = [side('Temporal up', up.url!), side('Temporal unreachable', down.url!)];
    ctx.say(`case 7 degraded: warm-up, then ${events} events per side in ${ctx.options.rounds} rounds, one ingress with Temporal up, one with it unreachable (${deadTemporal})`);
    for (const s of sides) await s.run(warmup, ctx.tag('dw'));
    const [upRun, downRun] = (await interleave(ctx, sides, events)).map((m) => figures(m.result));
    ctx.say(describeRun('  Temporal up', upRun));
    ctx.say(describeRun('  Temporal unreachable', downRun));
    return { up: upRun, down: downRun };
  } finally {
    await Promise.all([up.stop(), down.stop()]);
  }
}
