// A soak: a steady trickle of payment events for minutes, the RSS of the ingress and the worker
// sampled all along; the invariants at the end, the memory figures for a person to judge.
import { readProcMemory } from '../../bench/memory';
import { paymentSucceeded, scenarioSkus } from '../events';
import { scaled } from '../options';
import { type ScenarioContext, type ScenarioResult, sleep, underLoad } from '../scenario';

const RATE = 3;
const SAMPLE_EVERY_MS = 5000;

export async function soak(ctx: ScenarioContext): Promise<ScenarioResult> {
  const seconds = scaled(300, ctx.options.scale, 10);
  const tag = ctx.tag('sk');
  const skus = scenarioSkus(tag, 8);
  const events = Array.from({ length: seconds * RATE }, (_, i) => paymentSucceeded(tag, i, [{ sku: skus[i % skus.length], quantity: 1 }]));
  const samples: { ingress: number[]; worker: number[] } = { ingress: [], worker: [] };
  const mb = (pid: number) => (readProcMemory(pid)?.rssKb ?? NaN) / 1024;
  const range = (xs: number[]) => ({ first: xs[0], last: xs[xs.length - 1], max: Math.max(...xs) });
  return underLoad(ctx, {
    name: 'soak', events, stock: new Map(skus.map((s) => [s, 1_000_000])), ratePerSec: RATE,
    async fault(h) {
      const end = Date.now() + seconds * 1000;
      while (Date.now() < end) {
        samples.ingress.push(mb(h.ingresses[0].pid));
        samples.worker.push(mb(h.workers[0].pid));
        await sleep(Math.min(SAMPLE_EVERY_MS, Math.max(0, end - Date.now())));
      }
    },
    figures: async () => {
      const i = range(samples.ingress);
      const w = range(samples.worker);
      const series = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
      return {
        seconds, samples: samples.ingress.length,
        ingressRssMbFirst: i.first, ingressRssMbLast: i.last, ingressRssMbMax: i.max,
        workerRssMbFirst: w.first, workerRssMbLast: w.last, workerRssMbMax: w.max,
        ingressRssMbSeries: series(samples.ingress), workerRssMbSeries: series(samples.worker),
      };
    },
  });
}
