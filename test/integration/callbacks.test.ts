// Callbacks, reconciliation and entity keys end to end on the real stack: the shipped
// payment-created and order-updated flows (durations shortened to seconds), signed HTTP in,
// signal-with-start to one run per key, a loopback provider API for reconciliation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { CORRELATION_QUERY, EVENT_SIGNAL, type CorrelationState, type FlowRunResult } from '../../engine/contract';
import { originalId } from '../../server/deliveries/record';
import { startTestStack, type TestStack } from '../helpers/stack';
import { postEvent, uid } from '../helpers/events';
import { startFakeApi, type FakeApi, type FakeResponse } from '../helpers/fake-api';
import { plainHistory } from '../helpers/plain-history';
import { shortenedFlows } from '../helpers/short-flows';
import { waitFor } from '../helpers/wait-for';
import { admin } from '../helpers/admin';

let stack: TestStack;
let api: FakeApi;
let flows: ReturnType<typeof shortenedFlows>;
/** Provider API answers by payment id; a payment without one is unknown (404). */
const provider = new Map<string, () => FakeResponse>();

before(async () => {
  api = await startFakeApi();
  api.handler = (r) => provider.get(r.path.replace('/psp/payments/', ''))?.() ?? { status: 404, body: { error: 'unknown payment' } };
  Object.assign(process.env, { PAYMENTS_API_URL: `${api.url}/psp`, PAYMENTS_API_TOKEN: 'Bearer psp-callbacks' });
  flows = shortenedFlows();
  stack = await startTestStack({ flowsDir: flows.dir });
});
after(async () => {
  await stack?.stop();
  await api?.close();
  flows?.remove();
});

const orders = () => stack.db.collection<{ _id: string; [k: string]: unknown }>('orders');
const inventory = () => stack.db.collection<{ _id: string; stock: number }>('inventory');

interface Payment { paymentId: string; orderId: string; sku: string; email: string; workflowId: string }

async function newPayment(): Promise<Payment> {
  const p = { paymentId: uid('pay'), orderId: uid('ord'), sku: uid('SKU'), email: `${uid('bt')}@example.com` };
  await orders().insertOne({ _id: p.orderId, status: 'pending' });
  await inventory().insertOne({ _id: p.sku, stock: 10 });
  return { ...p, workflowId: `payment-created:payments:${p.paymentId}` };
}

const data = (p: Payment) => ({
  payment_id: p.paymentId, order_id: p.orderId, amount: 2500, currency: 'EUR', method: 'bank_transfer',
  customer: { email: p.email, name: 'Grace' }, items: [{ sku: p.sku, quantity: 2 }],
});
const event = (type: string, body: Record<string, unknown>, id = uid('evt')) => ({ id, type, created_at: '2026-11-23T10:00:00Z', data: body });
const created = (p: Payment) => event('payment.created', data(p));
const succeeded = (p: Payment, id?: string) => event('payment.succeeded', data(p), id);

async function post(body: unknown, expected: number) {
  const res = await postEvent(stack.ingressUrl, body);
  assert.equal(res.status, expected, JSON.stringify(res.body));
  return res;
}

async function result(workflowId: string): Promise<FlowRunResult> {
  return stack.client.workflow.getHandle(workflowId).result() as Promise<FlowRunResult>;
}

async function outcomeOf(workflowId: string): Promise<unknown> {
  const { searchAttributes } = await stack.client.workflow.getHandle(workflowId).describe();
  return (searchAttributes.HookflowOutcome as string[] | undefined)?.[0];
}

/**
 * Paid once: status, stock down by 2 exactly once, one email. Call it once the run has closed: every
 * email the run sent is then caught (the catcher keeps a message before it answers 250).
 */
async function assertPaidOnce(p: Payment, confirmedBy: string) {
  const order = await orders().findOne({ _id: p.orderId });
  assert.equal(order?.status, 'paid');
  assert.equal(order?.confirmedBy, confirmedBy);
  assert.equal((await inventory().findOne({ _id: p.sku }))?.stock, 8);
  assert.equal(stack.smtp.messages.filter((m) => m.to.includes(p.email)).length, 1);
}

describe('payment-created: wait for the callback, reconcile when it does not come', () => {
  test('1. callback in time: order paid, stock decremented, customer emailed', async () => {
    const p = await newPayment();
    const start = await post(created(p), 202);
    assert.deepEqual(start.body.runs.map((r: { workflowId: string }) => r.workflowId), [p.workflowId]);
    assert.deepEqual(start.body.runs[0].route, { kind: 'correlated', key: p.paymentId });
    const callback = succeeded(p);
    const res = await post(callback, 202);
    assert.deepEqual(res.body.runs.map((r: { flow: string }) => r.flow), ['payment-created'], 'the bank transfer callback goes only to its correlated run');

    const out = await result(p.workflowId);
    assert.deepEqual(out.steps.payment.output, { outcome: 'received', type: 'payment.succeeded', event: { id: callback.id, type: 'payment.succeeded', source: 'payments', receivedAt: (out.steps.payment.output as { event: { receivedAt: string } }).event.receivedAt, body: callback }, rounds: 0 });
    await assertPaidOnce(p, 'received');
    assert.equal(await outcomeOf(p.workflowId), 'received');
    assert.equal(api.requests.filter((r) => r.path.includes(p.paymentId)).length, 0, 'no reconciliation was needed');
  });

  test('2. no callback: the timeout asks the provider, which says succeeded: same effects, exactly once', async () => {
    const p = await newPayment();
    provider.set(p.paymentId, () => ({ status: 200, body: { id: p.paymentId, status: 'succeeded' } }));
    await post(created(p), 202);
    const out = await result(p.workflowId);
    assert.equal((out.steps.payment.output as { outcome: string }).outcome, 'reconciled');
    assert.equal((out.steps.payment.output as { rounds: number }).rounds, 1);
    await assertPaidOnce(p, 'reconciled');
    const asked = api.requests.filter((r) => r.path === `/psp/payments/${p.paymentId}`);
    assert.equal(asked.length, 1);
    assert.equal(asked[0].headers.authorization, 'Bearer psp-callbacks');
    assert.equal(await outcomeOf(p.workflowId), 'reconciled');
  });

  test('3. the callback arrives before payment.created: buffered, and the run completes', async () => {
    const p = await newPayment();
    const early = await post(succeeded(p), 202);
    assert.equal(early.body.runs[0].workflowId, p.workflowId, 'the callback started the run of its payment');
    const state = await stack.client.workflow.getHandle(p.workflowId).query<CorrelationState>(CORRELATION_QUERY);
    assert.equal(state.trigger, undefined);
    assert.equal(state.buffered.length, 1);
    await post(created(p), 202);
    const out = await result(p.workflowId);
    assert.equal((out.steps.payment.output as { outcome: string }).outcome, 'received');
    await assertPaidOnce(p, 'received');
  });

  test('4a. the callback twice (same id, then a new id, then a re-signal): effects once, the extra one recorded', async () => {
    const p = await newPayment();
    const first = succeeded(p);
    await post(first, 202);
    const again = await post(first, 200);
    assert.equal(again.body.status, 'duplicate');
    const handle = stack.client.workflow.getHandle(p.workflowId);
    // What a relay retry after a crash does: the same event signalled a second time.
    const flow = stack.definitions.flows.find((f) => f.name === 'payment-created');
    await handle.signal(EVENT_SIGNAL, { event: { id: first.id, type: first.type, source: 'payments', receivedAt: new Date().toISOString(), body: first }, flow });
    const second = succeeded(p);
    await post(second, 202);
    await post(created(p), 202);

    const out = await result(p.workflowId);
    assert.equal((out.steps.payment.output as { event: { id: string } }).event.id, first.id, 'the first callback settled it');
    await assertPaidOnce(p, 'received');
    const state = await handle.query<CorrelationState>(CORRELATION_QUERY);
    assert.deepEqual(state.ignored.map((e) => e.id), [second.id], 'the re-signalled duplicate is dropped, the second callback recorded');
    assert.match(state.ignored[0].reason, /already settled/);
    const { memo } = await handle.describe();
    assert.deepEqual((memo?.ignoredEvents as { id: string }[]).map((e) => e.id), [second.id]);
  });

  test('4b. a callback after reconciliation settled it: 200, recorded as ignored, effects once', async () => {
    const p = await newPayment();
    provider.set(p.paymentId, () => ({ status: 200, body: { status: 'succeeded' } }));
    await post(created(p), 202);
    assert.equal(((await result(p.workflowId)).steps.payment.output as { outcome: string }).outcome, 'reconciled');

    const late = succeeded(p);
    const res = await post(late, 200);
    assert.equal(res.body.status, 'ignored');
    assert.match(res.body.runs[0].ignored, /already finished/);
    // The started mark, which carries what each run made of the event, follows the answer (it lingers to share a write).
    const record = await waitFor('the callback\'s record marked started', async () => {
      const r = await stack.deliveries.collection.findOne({ _id: originalId('payments', late.id) });
      return r?.relay?.state === 'started' && r;
    });
    assert.match(String(record.runs[0].ignored), /already finished/, 'the delivery record says the callback changed nothing');
    assert.equal((await post(late, 200)).body.status, 'duplicate');
    await assertPaidOnce(p, 'reconciled');
  });

  test('5. the provider API is down during reconciliation: asked again with backoff, settles when it is back', async () => {
    const p = await newPayment();
    let calls = 0;
    provider.set(p.paymentId, () => (++calls <= 3 ? { status: 503, body: { error: 'maintenance' } } : { status: 200, body: { status: 'succeeded' } }));
    await post(created(p), 202);
    const out = await result(p.workflowId);
    assert.equal((out.steps.payment.output as { outcome: string }).outcome, 'reconciled');
    assert.equal((out.steps.payment.output as { rounds: number }).rounds, 2, 'round 1 failed (two 503s), round 2 got an answer');
    assert.equal(calls, 4);
    await assertPaidOnce(p, 'reconciled');
  });

  test('the provider never knows: the run fails as reconciliation_exhausted, searchable, and onFailure flags the order; once fixed, a replay settles it', async () => {
    const p = await newPayment();
    provider.set(p.paymentId, () => ({ status: 200, body: { status: 'pending' } }));
    const start = await post(created(p), 202);
    await assert.rejects(result(p.workflowId), (err: Error) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.match(String(err.cause?.message), /no payment\.succeeded or payment\.failed after 4 reconciliation rounds/);
      return true;
    });
    assert.equal(await outcomeOf(p.workflowId), 'reconciliation_exhausted');
    assert.equal((await orders().findOne({ _id: p.orderId }))?.status, 'payment-unknown');
    assert.equal((await inventory().findOne({ _id: p.sku }))?.stock, 10);
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const w of stack.client.workflow.list({ query: `HookflowOutcome = "reconciliation_exhausted" AND HookflowCorrelationKey = "${p.paymentId}"` })) ids.push(w.workflowId);
      return ids.length ? ids : undefined;
    });
    assert.deepEqual(found, [p.workflowId]);

    // The provider's side is fixed: replaying the payment.created delivery runs the key again.
    provider.set(p.paymentId, () => ({ status: 200, body: { status: 'succeeded' } }));
    const failedOnes = { flow: 'payment-created', status: 'failed', eventId: start.body.eventId, dryRun: true };
    assert.equal((await admin(stack.adminUrl, 'POST', '/admin/replays', { body: failedOnes })).body.matched, 1, 'a bulk replay by status finds it');
    const failedRunId = (await stack.client.workflow.getHandle(p.workflowId).describe()).runId;
    const replayed = await admin(stack.adminUrl, 'POST', `/admin/deliveries/${encodeURIComponent(start.body.deliveryId)}/replay`);
    assert.equal(replayed.status, 202, JSON.stringify(replayed.body));
    const [run] = replayed.body.runs as { workflowId: string; runId: string; replayOf: string }[];
    assert.deepEqual([run.workflowId, run.replayOf], [p.workflowId, p.workflowId], 'the same workflow id, so callbacks reach the new run');
    assert.notEqual(run.runId, failedRunId);
    const out = await result(p.workflowId);
    assert.equal((out.steps.payment.output as { outcome: string }).outcome, 'reconciled');
    await assertPaidOnce(p, 'reconciled');
    const failed = await stack.client.workflow.getHandle(p.workflowId, failedRunId).describe();
    assert.equal(failed.status.name, 'FAILED', 'the failed run stays as it was');
    assert.equal((await stack.client.workflow.getHandle(p.workflowId).describe()).memo?.replayOf, p.workflowId);
    assert.equal((await admin(stack.adminUrl, 'POST', '/admin/replays', { body: failedOnes })).body.matched, 0, 'its failed run is not picked again: the replay (same workflow id, new run) speaks for it');
  });
});

describe('order-updated: one entity at a time, different entities in parallel', () => {
  const journal = () => stack.db.collection<{ _id: string; order: string; startedAt: number; finishedAt?: number }>('order_journal');
  const update = (orderId: string, status: string) => event('order.updated', { order_id: orderId, status });

  async function finishedEntries(orderIds: string[], count: number) {
    return eventually(async () => {
      const entries = await journal().find({ order: { $in: orderIds }, finishedAt: { $exists: true } }).toArray();
      return entries.length === count ? entries : undefined;
    });
  }

  /** Event ids in the order the entity workflow(s) received them: the signals in their histories. */
  async function arrivalOrder(workflowId: string, count: number): Promise<string[]> {
    return eventually(async () => {
      const runs: { runId: string; startTime: Date }[] = [];
      for await (const w of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(w);
      const ids: string[] = [];
      for (const run of runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime())) {
        for (const e of (await stack.client.workflow.getHandle(workflowId, run.runId).fetchHistory()).events ?? []) {
          const payload = plainHistory(e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]);
          if (payload) ids.push(defaultPayloadConverter.fromPayload<{ event: { id: string } }>(payload).event.id);
        }
      }
      return ids.length === count ? ids : undefined;
    });
  }

  test('6a. ten changes of one order sent at once run one at a time, in arrival order', async () => {
    const orderId = uid('ord');
    const events = Array.from({ length: 10 }, (_, i) => update(orderId, `step-${i}`));
    const responses = await Promise.all(events.map((e) => post(e, 202)));
    const entityWorkflowId = `order-updated:payments:${orderId}`;
    assert.ok(responses.every((r) => r.body.runs[0].workflowId === entityWorkflowId && r.body.runs[0].route.kind === 'entity'));

    const entries = (await finishedEntries([orderId], 10)).sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 1; i < entries.length; i++) {
      assert.ok(entries[i - 1].finishedAt! <= entries[i].startedAt, `change ${entries[i]._id} started before ${entries[i - 1]._id} finished`);
    }
    const arrived = await arrivalOrder(entityWorkflowId, 10);
    assert.deepEqual(entries.map((e) => e._id), arrived, 'processed in the order the events arrived');
    const order = await orders().findOne({ _id: orderId });
    assert.deepEqual(order?.changes, arrived);
    assert.equal(order?.status, events.find((e) => e.id === arrived[9])!.data.status, 'the last change to arrive wins');
    const child = await stack.client.workflow.getHandle(`${entityWorkflowId}:${arrived[0]}`).describe();
    assert.deepEqual(child.searchAttributes.HookflowEntityKey, [orderId], 'each change has its own run, searchable by entity');
  });

  test('replay through the admin API: an entity event becomes its own run; a correlated run is replayed only once it failed', async () => {
    const orderId = uid('ord');
    const change = update(orderId, 'packed');
    const sent = await post(change, 202);
    const original = `order-updated:payments:${orderId}:${change.id}`;
    await eventually(async () => ((await stack.client.workflow.getHandle(original).describe().catch(() => undefined))?.status.name === 'COMPLETED' ? true : undefined));
    const replayed = await admin(stack.adminUrl, 'POST', `/admin/deliveries/${encodeURIComponent(sent.body.deliveryId)}/replay`);
    assert.equal(replayed.status, 202, JSON.stringify(replayed.body));
    assert.deepEqual(replayed.body.runs.map((r: Record<string, string>) => [r.workflowId, r.replayOf]), [[`${original}:replay:1`, original]]);
    // A plain run of the flow as it is now (it may fail on the flow's own insert of this change, which exists).
    const replay = await stack.client.workflow.getHandle(`${original}:replay:1`).describe();
    assert.deepEqual([replay.type, replay.memo?.replayOf], ['runFlow', original]);

    const p = await newPayment();
    provider.set(p.paymentId, () => ({ status: 200, body: { id: p.paymentId, status: 'succeeded' } }));
    const start = await post(created(p), 202);
    const replayCreated = () => admin(stack.adminUrl, 'POST', `/admin/deliveries/${encodeURIComponent(start.body.deliveryId)}/replay`);
    const running = await replayCreated();
    assert.equal(running.status, 409, JSON.stringify(running.body));
    assert.match(JSON.stringify(running.body), /is still running/);
    await result(p.workflowId);
    const settled = await replayCreated();
    assert.equal(settled.status, 409, JSON.stringify(settled.body));
    assert.match(JSON.stringify(settled.body), /ended completed \(reconciled\): its outcome is settled/);
    const callback = await post(succeeded(p), 200);
    const ofCallback = await admin(stack.adminUrl, 'POST', `/admin/deliveries/${encodeURIComponent(callback.body.deliveryId)}/replay`);
    assert.equal(ofCallback.status, 409, JSON.stringify(ofCallback.body));
    assert.match(JSON.stringify(ofCallback.body), /is a callback of .*replay the delivery of its payment.created/);
  });

  test('a failed change of an entity is found by a bulk replay by status (it runs as a child of the queue)', async () => {
    const orderId = uid('ord');
    const change = update(orderId, 'packed');
    await journal().insertOne({ _id: change.id, order: 'someone else', startedAt: 0 }); // its journal entry collides: the run fails
    await post(change, 202);
    const child = `order-updated:payments:${orderId}:${change.id}`;
    await eventually(async () => ((await stack.client.workflow.getHandle(child).describe().catch(() => undefined))?.status.name === 'FAILED' ? true : undefined));
    const dry = await eventually(async () => {
      const res = await admin(stack.adminUrl, 'POST', '/admin/replays', { body: { flow: 'order-updated', status: 'failed', eventId: change.id, dryRun: true } });
      return res.body.matched === 1 ? res : undefined; // visibility catches up with the failure
    });
    assert.deepEqual(dry.body.sample, [`payments:${change.id}`]);
    const shown = await admin(stack.adminUrl, 'GET', `/admin/deliveries/${encodeURIComponent(`payments:${change.id}`)}`);
    assert.deepEqual(shown.body.runs.map((r: Record<string, string>) => [r.workflowId, r.status, r.queueWorkflowId]), [[child, 'FAILED', `order-updated:payments:${orderId}`]],
      'show gives the event\'s own run, not its entity queue\'s');
  });

  test('6b. changes of ten different orders sent at once run in parallel', async () => {
    const orderIds = Array.from({ length: 10 }, () => uid('ord'));
    await Promise.all(orderIds.map((id) => post(update(id, 'packed'), 202)));
    const entries = await finishedEntries(orderIds, 10);
    const overlapping = entries.some((a) => entries.some((b) => a !== b && a.startedAt < b.finishedAt! && b.startedAt < a.finishedAt!));
    assert.ok(overlapping, `no two orders were processed at the same time: ${JSON.stringify(entries.map((e) => [e.startedAt, e.finishedAt]))}`);
  });
});

/** Polls until fn gives a value (visibility and effects are eventually there); fails after ~20 s. */
async function eventually<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('gave up waiting');
}
