// Duplicate storm: every event delivered as 20 concurrent copies, as a provider that retries on
// its own clock might; each must still give one run and each effect once.
import { runLanes } from '../../bench/lanes';
import { paymentSucceeded, scenarioSkus } from '../events';
import { scaled } from '../options';
import { type ScenarioContext, type ScenarioResult, finish, setUp } from '../scenario';

export const STORM_COPIES = 20;

export async function duplicateStorm(ctx: ScenarioContext): Promise<ScenarioResult> {
  const began = Date.now();
  const tag = ctx.tag('ds');
  const skus = scenarioSkus(tag, 4);
  const events = Array.from({ length: scaled(50, ctx.options.scale, 5) }, (_, i) => paymentSucceeded(tag, i, [{ sku: skus[i % skus.length], quantity: 1 }]));
  const stock = new Map(skus.map((s) => [s, 100_000]));
  const plan = { name: 'duplicate-storm', events, stock, figures: async () => ({ copies: STORM_COPIES, requests: events.length * STORM_COPIES }) };
  const h = await setUp(ctx, plan);
  ctx.say(`  ${events.length} events × ${STORM_COPIES} concurrent copies`);
  // The copies of one event are consecutive indexes, so all 20 lanes carry the same event at once.
  await runLanes({
    count: events.length * STORM_COPIES, concurrency: STORM_COPIES, maxMs: ctx.options.maxSeconds * 1000,
    send: async (i) => String(await h.provider.send(events[Math.floor(i / STORM_COPIES)])),
  });
  return finish(ctx, h, plan, began, Date.now());
}
