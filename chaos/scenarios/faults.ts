// The process faults under a steady load of payment events: worker, Temporal, FerretDB and one of
// two ingresses killed with kill -9, and a hot document (every event on one SKU) under worker kills.
import { APPLIED_OPS_FIELD } from '../../activities/mongo';
import { paymentSucceeded, scenarioSkus } from '../events';
import { scaled } from '../options';
import { type ScenarioContext, type ScenarioResult, sleep, underLoad } from '../scenario';

const STOCK = 1_000_000;

/** `count` payment events of a scenario, two line items each over `skus`. */
export function paymentLoad(ctx: ScenarioContext, label: string, count: number, skuCount = 4) {
  const tag = ctx.tag(label);
  const skus = scenarioSkus(tag, skuCount);
  const events = Array.from({ length: count }, (_, i) => paymentSucceeded(tag, i, [
    { sku: skus[i % skus.length], quantity: 1 },
    { sku: skus[(i + 1) % skus.length], quantity: 2 },
  ]));
  return { events, stock: new Map(skus.map((s) => [s, STOCK])) };
}

export async function workerKill(ctx: ScenarioContext): Promise<ScenarioResult> {
  const kills = scaled(5, ctx.options.scale);
  const { events, stock } = paymentLoad(ctx, 'wk', scaled(100, ctx.options.scale, 10));
  // A run every second, so kills (each worker takes ~15 s to start here) fall on runs in flight.
  const rate = 1;
  const gapMs = (events.length / rate / (kills + 1)) * 1000;
  return underLoad(ctx, {
    name: 'worker-kill', events, stock, ratePerSec: rate,
    async fault(h) {
      for (let k = 1; k <= kills; k++) {
        await sleep(gapMs);
        ctx.say(`  kill -9 worker ${k}/${kills}`);
        await h.replaceWorker();
      }
    },
    figures: async () => ({ kills }),
  });
}

/** Temporal (kill: 'temporal') or FerretDB (kill: 'mongo') down for `downSeconds` under load. */
async function infraDown(ctx: ScenarioContext, name: 'temporal-kill' | 'mongo-kill', downSeconds: number): Promise<ScenarioResult> {
  const down = scaled(downSeconds, ctx.options.scale, 5);
  const rate = 2;
  const { events, stock } = paymentLoad(ctx, name === 'temporal-kill' ? 'tk' : 'mk', Math.round((down + 10) * rate));
  return underLoad(ctx, {
    name, events, stock, ratePerSec: rate,
    async fault(h) {
      await sleep(4000);
      ctx.say(`  kill -9 ${name === 'temporal-kill' ? 'Temporal' : 'FerretDB'} for ${down} s`);
      if (name === 'temporal-kill') await h.stack.killTemporal();
      else await h.stack.killMongo();
      await sleep(down * 1000);
      if (name === 'temporal-kill') await h.stack.restartTemporal();
      else await h.stack.restartMongo();
      ctx.say('  restarted');
    },
    figures: async () => ({ downSeconds: down }),
  });
}

export const temporalKill = (ctx: ScenarioContext) => infraDown(ctx, 'temporal-kill', 60);
export const mongoKill = (ctx: ScenarioContext) => infraDown(ctx, 'mongo-kill', 30);

export async function ingressKill(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { events, stock } = paymentLoad(ctx, 'ik', scaled(100, ctx.options.scale, 10));
  const rate = 10;
  return underLoad(ctx, {
    name: 'ingress-kill', events, stock, ratePerSec: rate, ingresses: 2,
    async fault(h) {
      await sleep((events.length / rate / 3) * 1000);
      ctx.say('  kill -9 one of two ingresses');
      await h.stack.kill(h.ingresses[0]);
    },
  });
}

export async function hotDocument(ctx: ScenarioContext): Promise<ScenarioResult> {
  const tag = ctx.tag('hd');
  const [sku] = scenarioSkus(tag, 1);
  const events = Array.from({ length: scaled(300, ctx.options.scale, 20) }, (_, i) => paymentSucceeded(tag, i, [{ sku, quantity: 1 }]));
  const kills = scaled(3, ctx.options.scale);
  const rate = 5;
  return underLoad(ctx, {
    name: 'hot-document', events, stock: new Map([[sku, STOCK]]), ratePerSec: rate,
    async fault(h) {
      for (let k = 1; k <= kills; k++) {
        await sleep((events.length / rate / (kills + 1)) * 1000);
        ctx.say(`  kill -9 worker ${k}/${kills}`);
        await h.replaceWorker();
      }
    },
    async figures(h) {
      const doc = await h.stack.db.collection<Record<string, unknown>>('inventory').findOne({ _id: sku as never });
      const keys = doc?.[APPLIED_OPS_FIELD];
      return { kills, appliedKeysInDocument: Array.isArray(keys) ? keys.length : 0, documentBytes: JSON.stringify(doc ?? {}).length };
    },
  });
}
