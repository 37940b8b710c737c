// The invariants, checked per event once the runs have drained: every acknowledged event has
// exactly one run and each of its effects exactly once; nothing unacknowledged has any effect.
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { CaughtMail } from '../devstack/smtp-catcher';
import type { ChaosEvent } from './events';
import type { Delivery } from './provider';

/** What one acknowledged event of a flow must have left behind. */
export interface FlowExpectation {
  /** Workflow id prefix: `<flow>:payments:` (the event id follows). */
  workflowPrefix: string;
  /** The order's status once the run is done (unacknowledged events leave it as seeded). */
  orderStatus: string;
  /** Subject of the one email the run sends; none when the flow sends none. */
  emailSubject?: (orderId: string) => string;
  /** Further per-event checks (e.g. one shipment); each string is a problem. */
  more?: (event: ChaosEvent, acknowledged: boolean) => Promise<string[]>;
}

export interface Verdict {
  events: number;
  acknowledged: number;
  /** Acknowledged events with a missing run or effect, plus stock units never taken. */
  lost: number;
  /** Events with more than one run or distinct email, plus stock units taken more than once. */
  duplicated: number;
  /** The same message (same Message-ID) caught again: SMTP's at-least-once window. */
  emailResends: number;
  problems: string[];
}

export const paymentFlow: FlowExpectation = {
  workflowPrefix: 'payment-succeeded:payments:',
  orderStatus: 'paid',
  emailSubject: (orderId) => `Payment received for order ${orderId}`,
};

/** Runs per event id on a task queue, by status. */
export async function runsByEvent(client: Client, taskQueue: string, prefix: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for await (const run of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
    if (!run.workflowId.startsWith(prefix)) continue;
    const id = run.workflowId.slice(prefix.length);
    out.set(id, [...(out.get(id) ?? []), run.status.name]);
  }
  return out;
}

/** Waits until at least `expected` runs on the queue are closed and none is running; returns false on time-out. */
export async function drain(client: Client, taskQueue: string, expected: number, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    try {
      const closed = (await client.workflow.count(`TaskQueue = "${taskQueue}" AND ExecutionStatus != "Running"`)).count;
      const running = (await client.workflow.count(`TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`)).count;
      if (closed >= expected && running === 0) return true;
    } catch { /* Temporal restarting: ask again */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

export interface CheckInput {
  client: Client;
  db: Db;
  mail: CaughtMail[];
  taskQueue: string;
  deliveries: Delivery[];
  flow: FlowExpectation;
  /** Stock each of the scenario's SKUs was seeded with. */
  initialStock: Map<string, number>;
}

export async function checkInvariants(input: CheckInput): Promise<Verdict> {
  const { deliveries, flow } = input;
  const v: Verdict = { events: deliveries.length, acknowledged: 0, lost: 0, duplicated: 0, emailResends: 0, problems: [] };
  const runs = await runsByEvent(input.client, input.taskQueue, flow.workflowPrefix);
  const orders = new Map((await input.db.collection<{ _id: string; status: string }>('orders')
    .find({ _id: { $in: deliveries.map((d) => d.event.orderId) } }).toArray()).map((o) => [o._id, o.status]));
  const expectedStock = new Map(input.initialStock);
  const problem = (p: string) => { if (v.problems.length < 50) v.problems.push(p); };

  for (const d of deliveries) {
    const { event } = d;
    const eventRuns = runs.get(event.id) ?? [];
    const mails = flow.emailSubject ? input.mail.filter((m) => m.subject === flow.emailSubject!(event.orderId)) : [];
    const distinct = new Set(mails.map((m) => m.messageId)).size;
    const extra = flow.more ? await flow.more(event, d.acknowledged) : [];
    if (!d.acknowledged) {
      if (eventRuns.length || mails.length || (orders.get(event.orderId) ?? 'pending') !== 'pending' || extra.length) {
        problem(`${event.id}: never acknowledged, yet has ${eventRuns.length} run(s), ${mails.length} email(s), order ${orders.get(event.orderId)}`);
      }
      continue;
    }
    v.acknowledged++;
    for (const item of event.items) expectedStock.set(item.sku, (expectedStock.get(item.sku) ?? 0) - item.quantity);
    const missing: string[] = [];
    if (eventRuns.length === 0) missing.push('no run');
    else if (eventRuns.some((s) => s !== 'COMPLETED')) missing.push(`run ${eventRuns.join('/')}`);
    if (orders.get(event.orderId) !== flow.orderStatus) missing.push(`order ${orders.get(event.orderId) ?? 'absent'}, expected ${flow.orderStatus}`);
    if (flow.emailSubject && distinct === 0) missing.push('no email');
    missing.push(...extra);
    if (missing.length) { v.lost++; problem(`${event.id}: ${missing.join(', ')}`); }
    if (eventRuns.length > 1 || distinct > 1) { v.duplicated++; problem(`${event.id}: ${eventRuns.length} runs, ${distinct} distinct emails`); }
    v.emailResends += mails.length - distinct;
  }

  const stock = await input.db.collection<{ _id: string; stock: number }>('inventory').find({ _id: { $in: [...expectedStock.keys()] } }).toArray();
  for (const doc of stock) {
    const diff = doc.stock - expectedStock.get(doc._id)!;
    if (diff === 0) continue;
    problem(`${doc._id}: stock ${doc.stock}, expected ${expectedStock.get(doc._id)} (${diff < 0 ? `${-diff} taken too many` : `${diff} never taken`})`);
    if (diff < 0) v.duplicated += -diff;
    else v.lost += diff;
  }
  return v;
}
