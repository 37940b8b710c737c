// The reserve-stock case (flows/order-placed.yaml): stock exactly equal to the quantity, the
// step's write lands, the attempt is killed before it can answer (its replies are dropped by a
// proxy, then the worker gets kill -9). The retry must recognise its own write: the order goes
// on to be charged and shipped, the stock is 0, nothing is compensated, no failure email.
import { startChargesApi } from '../charges-api';
import { orderPlaced, scenarioSkus } from '../events';
import { startHoldingProxy } from '../mongo-proxy';
import { scaled } from '../options';
import { type ScenarioContext, type ScenarioResult, finish, setUp, sleep } from '../scenario';

const QUANTITY = 2;

export async function reserveStock(ctx: ScenarioContext): Promise<ScenarioResult> {
  const began = Date.now();
  const tag = ctx.tag('rs');
  const skus = scenarioSkus(tag, scaled(3, ctx.options.scale, 1));
  const events = skus.map((sku, i) => orderPlaced(tag, i, [{ sku, quantity: QUANTITY }]));
  const stock = new Map(skus.map((s) => [s, QUANTITY]));
  const api = await startChargesApi();
  const proxy = await startHoldingProxy(Number(new URL(ctx.stack.mongodbUri).port));
  const failureSubject = (orderId: string) => `We could not complete order ${orderId}`;
  const plan = {
    name: 'reserve-stock', events, stock, seedOrders: false,
    workerEnv: { MONGODB_URI: proxy.url, PAYMENTS_API_URL: api.url, PAYMENTS_API_TOKEN: 'chaos-token', HOOKFLOW_EGRESS_ALLOW: `127.0.0.1:${new URL(api.url).port}` },
    flow: {
      workflowPrefix: 'order-placed:payments:',
      orderStatus: 'placed',
      more: async (event: { orderId: string }, acknowledged: boolean) => {
        const problems: string[] = [];
        const shipments = await ctx.stack.db.collection('shipments').countDocuments({ order: event.orderId });
        const charged = api.charges.get(event.orderId) ?? 0;
        const failureMails = ctx.stack.smtp.messages.filter((m) => m.subject === failureSubject(event.orderId)).length;
        const want = acknowledged ? 1 : 0;
        if (shipments !== want) problems.push(`${shipments} shipment(s)`);
        if (charged !== want) problems.push(`charged ${charged} time(s)`);
        if (failureMails) problems.push(`${failureMails} "could not complete" email(s)`);
        return problems;
      },
    },
    figures: async () => ({ writesLandedThenKilled: landed }),
  };
  let landed = 0;
  const h = await setUp(ctx, plan);
  const inventory = ctx.stack.db.collection<{ _id: string; stock: number }>('inventory');
  try {
    for (const event of events) {
      const sku = event.items[0].sku;
      proxy.holdRepliesAfter(sku);
      await h.provider.send(event);
      const deadline = Date.now() + ctx.options.maxSeconds * 1000;
      while ((await inventory.findOne({ _id: sku }))?.stock !== 0 && Date.now() < deadline) await sleep(50);
      const didLand = (await inventory.findOne({ _id: sku }))?.stock === 0;
      if (didLand) landed++;
      ctx.say(`  ${sku}: ${didLand ? 'reservation landed, its reply dropped' : 'the reservation never landed'}; kill -9 the worker`);
      await h.stack.kill(h.workers[h.workers.length - 1]);
      proxy.release();
      h.workers.push(await h.stack.addWorker(h.taskQueue, plan.workerEnv));
    }
    return await finish(ctx, h, plan, began, Date.now());
  } finally {
    proxy.release();
    await proxy.close();
    await api.close();
  }
}
