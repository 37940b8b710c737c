// Faults of the cluster topology (--topology cluster): 3 ingresses behind HAProxy and 3 workers
// per scenario, on Temporal's four services over PostgreSQL; a steady load of payment events while
// one part is killed with kill -9 (and, for a server, started again after a while).
import { scaled } from '../options';
import { type ScenarioContext, type ScenarioResult, sleep, underLoad } from '../scenario';
import { paymentLoad } from './faults';

const REPLICAS = { ingresses: 3, workers: 3 };

/** `infra` ('temporal-history', 'postgres'…) killed 4 s into the load, started again `downSeconds` later. */
async function serverDown(ctx: ScenarioContext, name: string, infra: string, downSeconds: number): Promise<ScenarioResult> {
  const down = scaled(downSeconds, ctx.options.scale, 5);
  const rate = 2;
  const { events, stock } = paymentLoad(ctx, name, Math.round((down + 15) * rate));
  return underLoad(ctx, {
    name, events, stock, ratePerSec: rate, ...REPLICAS,
    async fault(h) {
      await sleep(4000);
      ctx.say(`  kill -9 ${infra} for ${down} s`);
      await h.stack.killInfra(infra);
      await sleep(down * 1000);
      await h.stack.restartInfra(infra);
      ctx.say('  restarted');
    },
    figures: async () => ({ downSeconds: down }),
  });
}

export const historyKill = (ctx: ScenarioContext) => serverDown(ctx, 'history-kill', 'temporal-history', 15);
export const matchingKill = (ctx: ScenarioContext) => serverDown(ctx, 'matching-kill', 'temporal-matching', 15);
export const postgresKill = (ctx: ScenarioContext) => serverDown(ctx, 'postgres-kill', 'postgres', 30);

/** One of three ingresses killed a third into the load; HAProxy's health check takes it out. */
export async function lbIngressKill(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { events, stock } = paymentLoad(ctx, 'lbik', scaled(150, ctx.options.scale, 15));
  const rate = 10;
  return underLoad(ctx, {
    name: 'lb-ingress-kill', events, stock, ratePerSec: rate, ...REPLICAS,
    async fault(h) {
      await sleep((events.length / rate / 3) * 1000);
      ctx.say('  kill -9 one of three ingresses behind HAProxy');
      await h.stack.kill(h.ingresses[0]);
    },
  });
}

/** One of three workers killed with runs in flight; the other two finish them. */
export async function oneOfThreeWorkersKill(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { events, stock } = paymentLoad(ctx, 'w3k', scaled(60, ctx.options.scale, 10));
  const rate = 2;
  return underLoad(ctx, {
    name: 'one-of-three-workers-kill', events, stock, ratePerSec: rate, ...REPLICAS,
    async fault(h) {
      await sleep((events.length / rate / 3) * 1000);
      ctx.say('  kill -9 one of three workers');
      await h.stack.kill(h.workers[0]);
    },
  });
}
