// Poisoned neighbours (issue 25): steady payment traffic alone, then the same traffic beside 5
// events whose first step retries for minutes (payment.succeeded for orders that do not exist:
// mark-order-paid retries DocumentNotFound, backing off up to a minute). The ordinary runs must
// complete as fast as alone (p99 within 1.5×), nothing lost or doubled; the poisoned ones must
// still be retrying when the traffic beside them is done (then they are terminated) and have no effect.
import { POISONED_EVENTS, measurePoisonedNeighbours } from '../../bench/poisoned-neighbours';
import { freePort } from '../../lib/net';
import { paymentSucceeded, scenarioSkus } from '../events';
import { scaled } from '../options';
import { Provider } from '../provider';
import { type ScenarioContext, type ScenarioResult, finish, setUp } from '../scenario';

export const POISONED_P99_TARGET = 1.5;
const RATE = 5;

export async function poisonedNeighbours(ctx: ScenarioContext): Promise<ScenarioResult> {
  const began = Date.now();
  const tag = ctx.tag('pn');
  const skus = scenarioSkus(tag, 8);
  const perBatch = scaled(100, ctx.options.scale, 10);
  const events = Array.from({ length: 3 * perBatch }, (_, i) => paymentSucceeded(tag, i, [{ sku: skus[i % skus.length], quantity: 1 }]));
  // Orders that are never seeded: their runs retry, and must not create them.
  const poisoned = Array.from({ length: POISONED_EVENTS }, (_, i) => paymentSucceeded(`${tag}x`, i, [{ sku: skus[0], quantity: 1 }]));
  const opsPort = await freePort();
  const plan = { name: 'poisoned-neighbours', events, stock: new Map(skus.map((s) => [s, 100_000])), workerEnv: { WORKER_OPS_PORT: String(opsPort) } };
  const h = await setUp(ctx, plan);
  const poisonedSender = new Provider(() => h.ingresses.map((i) => i.url!));
  ctx.say(`  ${2 * perBatch} events at ${RATE}/s alone (${perBatch} before, ${perBatch} after), ${perBatch} beside ${POISONED_EVENTS} poisoned ones`);
  const poisonedIds = new Set(poisoned.map((p) => p.id));
  const m = await measurePoisonedNeighbours({
    client: ctx.stack.client, taskQueue: h.taskQueue, ratePerSec: RATE, maxMs: ctx.options.maxSeconds * 1000, say: ctx.say,
    alone: events.slice(0, 2 * perBatch), beside: events.slice(2 * perBatch), poisoned,
    send: (e) => (poisonedIds.has(e.id) ? poisonedSender : h.provider).send(e),
  });
  const overDeadline = await overDeadlineCount(opsPort);
  poisonedSender.close();
  const poisonedOrders = await ctx.stack.db.collection('orders').countDocuments({ _id: { $in: poisoned.map((p) => p.orderId) as never[] } });
  const result = await finish(ctx, h, {
    ...plan,
    figures: async () => ({
      aloneP50Ms: m.alone.p50, aloneP99Ms: m.alone.p99, aloneBeforeP99Ms: m.aloneBefore.p99, aloneAfterP99Ms: m.aloneAfter.p99, besideP50Ms: m.beside.p50, besideP99Ms: m.beside.p99, p99Ratio: Number(m.p99Ratio.toFixed(2)),
      poisonedRetrying: m.poisonedRunning, poisonedFailedAttempts: m.poisonedRetries.join(' '), workflowTasksOverDeadline: overDeadline,
    }),
  }, began, Date.now());
  const problems: string[] = [];
  if (m.poisonedRunning < POISONED_EVENTS) problems.push(`only ${m.poisonedRunning} of ${POISONED_EVENTS} poisoned runs were still retrying when the traffic was done`);
  if (poisonedOrders > 0) problems.push(`${poisonedOrders} poisoned run(s) created the order they could not find`);
  if (!(m.p99Ratio <= POISONED_P99_TARGET)) problems.push(`ordinary runs' p99 beside the poisoned ones is ${m.p99Ratio.toFixed(2)}× alone (target ≤ ${POISONED_P99_TARGET}×)`);
  result.verdict.problems.push(...problems);
  return { ...result, passed: result.passed && problems.length === 0 };
}

/** The worker's count of workflow tasks over their deadline, from its /metrics; NaN if unreadable. */
async function overDeadlineCount(port: number): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '');
  const line = /^hookflow_worker_workflow_tasks_over_deadline_total (\S+)$/m.exec(text);
  return line ? Number(line[1]) : NaN;
}
