// What every scenario gets and returns, and the shape most of them share: processes on a task
// queue of their own, seeded documents, events sent under load while a fault strikes, the
// unacknowledged re-sent, the runs drained, the invariants checked.
import { type FlowExpectation, type Verdict, checkInvariants, drain, paymentFlow, runsByEvent } from './check';
import type { ChaosEvent } from './events';
import type { ChaosOptions } from './options';
import { Provider } from './provider';
import type { ChaosChild, ChaosStack } from './stack';

export interface ScenarioContext {
  stack: ChaosStack;
  options: ChaosOptions;
  /** A unique tag per scenario, so ids never repeat across scenarios and runs. */
  tag(label: string): string;
  say(message: string): void;
}

export interface ScenarioResult {
  name: string;
  passed: boolean;
  verdict: Verdict;
  resent: number;
  /** Seconds from the end of the fault until every acknowledged event's run had closed; null if it never did. */
  drainSeconds: number | null;
  crashed: string[];
  /** Scenario-specific figures (RSS, documents added, applied keys in a hot document…). */
  figures: Record<string, number | string>;
  durationSeconds: number;
}

export interface Handles {
  stack: ChaosStack;
  taskQueue: string;
  ingresses: ChaosChild[];
  workers: ChaosChild[];
  provider: Provider;
  /** kill -9 the newest worker and start another in the background (awaited by the next kill and by the drain). */
  replaceWorker(): Promise<void>;
  /** Resolves once the worker being started (if any) polls. */
  workerReady(): Promise<void>;
}

export interface LoadPlan {
  name: string;
  events: ChaosEvent[];
  /** Stock each SKU is seeded with. */
  stock: Map<string, number>;
  ratePerSec: number;
  ingresses?: number;
  /** Workers on the scenario's task queue (default 1). */
  workers?: number;
  flow?: FlowExpectation;
  workerEnv?: Record<string, string>;
  /** Environment of the scenario's ingresses (e.g. a flows folder of its own). */
  ingressEnv?: Record<string, string>;
  /** Seed a pending order per event (default true; order.placed creates its own). */
  seedOrders?: boolean;
  /** The fault, run while the events are being sent. */
  fault(h: Handles): Promise<void>;
  /** Figures to add once the check is done. */
  figures?(h: Handles): Promise<Record<string, number | string>>;
  /** The scenario's own invariants, checked after the common ones; each string is a problem. */
  checks?(h: Handles): Promise<string[]>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function setUp(ctx: ScenarioContext, plan: Pick<LoadPlan, 'name' | 'events' | 'stock' | 'ingresses' | 'workers' | 'workerEnv' | 'ingressEnv' | 'seedOrders'>): Promise<Handles> {
  const { stack } = ctx;
  const taskQueue = `chaos-${ctx.tag(plan.name)}`;
  await stack.db.collection<{ _id: string; stock: number }>('inventory').bulkWrite(
    [...plan.stock].map(([sku, stock]) => ({ updateOne: { filter: { _id: sku }, update: { $set: { stock } }, upsert: true } })),
  );
  // The orders the payment flow marks paid (order.placed creates its own).
  if (plan.seedOrders !== false) await stack.db.collection<{ _id: string; status: string }>('orders').insertMany(plan.events.map((e) => ({ _id: e.orderId, status: 'pending' })));
  const ingresses = await Promise.all(Array.from({ length: plan.ingresses ?? 1 }, () => stack.addIngress(taskQueue, plan.ingressEnv)));
  const workers = await Promise.all(Array.from({ length: plan.workers ?? 1 }, () => stack.addWorker(taskQueue, plan.workerEnv)));
  // The cluster topology: every request goes through HAProxy, which knows which replica is alive.
  const lb = stack.topology === 'cluster' ? await stack.balance(ingresses) : undefined;
  const provider = lb
    ? new Provider(() => [lb], () => [lb], stack.balancerCa)
    : new Provider(() => ingresses.map((i) => i.url!), () => ingresses.filter((i) => !i.killed).map((i) => i.url!));
  let starting: Promise<void> = Promise.resolve();
  const h: Handles = {
    stack, taskQueue, ingresses, workers, provider,
    async replaceWorker() {
      await starting;
      await stack.kill(workers[workers.length - 1]);
      starting = stack.addWorker(taskQueue, plan.workerEnv).then((w) => { workers.push(w); });
    },
    workerReady: () => starting,
  };
  return h;
}

/** After the fault: re-send, drain, check, and stop the scenario's processes. */
export async function finish(ctx: ScenarioContext, h: Handles, plan: Pick<LoadPlan, 'name' | 'stock' | 'flow' | 'figures' | 'checks'>, began: number, faultEnded: number): Promise<ScenarioResult> {
  const deadline = Date.now() + ctx.options.maxSeconds * 1000;
  await h.workerReady();
  const early = await refusedYetRun(h, plan.flow ?? paymentFlow);
  await h.provider.resendUnacknowledged(deadline);
  const acked = h.provider.acknowledged().length;
  ctx.say(`  ${acked}/${h.provider.deliveries.size} acknowledged after ${h.provider.resent()} re-sends; draining`);
  const drained = await drain(h.stack.client, h.taskQueue, acked, deadline);
  const drainSeconds = drained ? (Date.now() - faultEnded) / 1000 : null;
  const verdict = await checkInvariants({
    client: h.stack.client, db: h.stack.db, mail: h.stack.smtp.messages, taskQueue: h.taskQueue,
    deliveries: [...h.provider.deliveries.values()], flow: plan.flow ?? paymentFlow, initialStock: plan.stock,
  });
  if (plan.checks) verdict.problems.push(...(await plan.checks(h)));
  const crashed = h.stack.crashed();
  const figures = { ...(await plan.figures?.(h)), ...refusedFirst(h) };
  h.provider.close();
  await h.stack.stopChildren();
  verdict.problems.unshift(...early);
  if (!drained) verdict.problems.unshift(`runs did not drain within ${ctx.options.maxSeconds} s`);
  if (crashed.length) verdict.problems.unshift(`crashed: ${crashed.join(', ')}`);
  const passed = verdict.problems.length === 0 && verdict.lost === 0 && verdict.duplicated === 0;
  return { name: plan.name, passed, verdict, resent: h.provider.resent(), drainSeconds, crashed, figures, durationSeconds: (Date.now() - began) / 1000 };
}

/** What the first sends that were not acknowledged got (why events were re-sent), by answer. */
function refusedFirst(h: Handles): Record<string, string> {
  const tally = new Map<string, number>();
  for (const d of h.provider.deliveries.values()) {
    const first = d.answers[0];
    if (first === undefined || (typeof first === 'number' && first >= 200 && first < 300)) continue;
    const kind = String(first).slice(0, 60);
    tally.set(kind, (tally.get(kind) ?? 0) + 1);
  }
  return tally.size ? { firstAnswersNot2xx: [...tally].map(([k, n]) => `${k} ×${n}`).join('; ') } : {};
}

/**
 * Before anything is re-sent: an event the ingress refused outright (every answer a 4xx/5xx, no
 * time-out) must not have a run. (After the re-sends every event is acknowledged, so this is the
 * moment "nothing unacknowledged has effects" can be seen.)
 */
async function refusedYetRun(h: Handles, flow: FlowExpectation): Promise<string[]> {
  const refused = [...h.provider.deliveries.values()].filter((d) => !d.acknowledged && d.answers.every((a) => typeof a === 'number'));
  if (refused.length === 0) return [];
  const runs = await runsByEvent(h.stack.client, h.taskQueue, flow.workflowPrefix);
  return refused.filter((d) => runs.has(d.event.id)).map((d) => `${d.event.id}: refused (${d.answers.join(', ')}), yet it has a run`);
}

/** Sends the events paced while the fault runs, then finishes. */
export async function underLoad(ctx: ScenarioContext, plan: LoadPlan): Promise<ScenarioResult> {
  const began = Date.now();
  const h = await setUp(ctx, plan);
  ctx.say(`  ${plan.events.length} events at ${plan.ratePerSec}/s to ${h.ingresses.length} ingress(es)`);
  const sending = h.provider.sendAll(plan.events, { concurrency: 16, ratePerSec: plan.ratePerSec, maxMs: ctx.options.maxSeconds * 1000 });
  await plan.fault(h);
  const faultEnded = Date.now();
  await sending;
  return finish(ctx, h, plan, began, faultEnded);
}
