// The poisoned-neighbours case (bench/poisoned-neighbours.ts): one ingress and one worker on a
// task queue of their own; ordinary payment events alone, then beside 5 whose first step retries
// for minutes. Row: p99 completion latency beside them over alone (target ≤ 1.5×).
import { request } from 'node:http';
import type { BenchContext } from './context';
import { seedInventory, seedOrders } from './e2e';
import { paymentEvent, signedHeaders } from './events';
import { WEBHOOK_PATH } from './http-load';
import { POISONED_EVENTS, measurePoisonedNeighbours, type NeighbourEvent, type PoisonedFigures } from './poisoned-neighbours';
import { startIngress, startWorker } from './processes';
import { type Row, row } from './report';

const RATE = 5;
export const POISONED_P99_RATIO_TARGET = 1.5;

export interface PoisonedResults extends PoisonedFigures { events: number; ratePerSec: number }

export async function poisonedCase(ctx: BenchContext): Promise<PoisonedResults> {
  const taskQueue = 'bench-poisoned';
  const count = Math.max(10, Math.round(ctx.options.e2eEvents / 2)); // per batch: before, beside, after
  const tag = ctx.tag('pn');
  await seedInventory(ctx.db);
  await seedOrders(ctx.db, tag, 0, 3 * count); // the poisoned events' orders (tag + 'x') are never seeded
  const event = (runTag: string, i: number): NeighbourEvent => { const e = paymentEvent(runTag, i); return { id: e.id, body: JSON.stringify(e) }; };
  const ingress = await startIngress(ctx.child(taskQueue));
  const worker = await startWorker(ctx.options.compiled ? 'dist/worker/main.js' : 'worker/main.ts', ctx.child(taskQueue), ctx.client);
  ctx.say(`poisoned neighbours: ${2 * count} events at ${RATE}/s alone (${count} before, ${count} after), ${count} beside ${POISONED_EVENTS} that retry for minutes`);
  try {
    const all = Array.from({ length: 3 * count }, (_, i) => event(tag, i));
    const m = await measurePoisonedNeighbours({
      client: ctx.client, taskQueue, ratePerSec: RATE, maxMs: ctx.options.maxSeconds * 1000, say: ctx.say,
      alone: all.slice(0, 2 * count), beside: all.slice(2 * count), poisoned: Array.from({ length: POISONED_EVENTS }, (_, i) => event(`${tag}x`, i)),
      send: async (e) => { const status = await post(ingress.url!, e.body); return status >= 200 && status < 300; },
    });
    ctx.say(`  beside: p50 ${m.beside.p50} ms, p99 ${m.beside.p99} ms (alone ${m.alone.p99}: ${m.aloneBefore.p99} before, ${m.aloneAfter.p99} after): ${m.p99Ratio.toFixed(2)}×; poisoned still retrying ${m.poisonedRunning}/${POISONED_EVENTS}, failed attempts ${m.poisonedRetries.join(' ')}`);
    return { ...m, events: count, ratePerSec: RATE };
  } finally {
    await Promise.all([ingress.stop(), worker.stop()]);
  }
}

export function poisonedRows(r: PoisonedResults | undefined): Row[] {
  if (!r) return [];
  return [
    row('8 poisoned', `run p99 ms beside ${POISONED_EVENTS} poisoned events (vs alone)`, r.beside.p99, r.alone.p99, { ratioAtMost: POISONED_P99_RATIO_TARGET }),
    row('8 poisoned', 'run p50 ms (vs alone)', r.beside.p50, r.alone.p50),
  ];
}

function post(base: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(WEBHOOK_PATH, base), { method: 'POST', headers: { ...signedHeaders(body), 'content-length': Buffer.byteLength(body) }, timeout: 10_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error('request timed out after 10 s')));
    req.once('error', reject);
    req.end(body);
  });
}
