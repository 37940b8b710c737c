// The shipped example flows (flows/*.yaml) end to end on the real stack: signed HTTP in,
// Temporal runs, effects in MongoDB (FerretDB), SMTP and a loopback provider API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { startTestStack, type TestStack } from '../helpers/stack';
import { postEvent, uid } from '../helpers/events';
import { startFakeApi, type FakeApi } from '../helpers/fake-api';
import { waitFor } from '../helpers/wait-for';
import { plainHistory } from '../helpers/plain-history';

const SECRETS = { LEDGER_API_TOKEN: `Bearer ledger-${uid('tok')}`, LEDGER_SIGNING_SECRET: uid('sign'), PAYMENTS_API_TOKEN: `Bearer psp-${uid('tok')}` };

let stack: TestStack;
let api: FakeApi;
before(async () => {
  api = await startFakeApi();
  // Secrets reach the activities through the worker's environment, never through the flow.
  Object.assign(process.env, SECRETS, { LEDGER_API_URL: `${api.url}/ledger`, PAYMENTS_API_URL: `${api.url}/psp` });
  stack = await startTestStack();
});
after(async () => {
  await stack?.stop();
  await api?.close();
});

const event = (type: string, data: Record<string, unknown>) => ({ id: uid('evt'), type, created_at: '2026-11-23T10:00:00Z', data });
const orders = () => stack.db.collection<{ _id: string; [k: string]: unknown }>('orders');
const inventory = () => stack.db.collection<{ _id: string; stock: number }>('inventory');

/** The whole history as text, every payload decoded, so a search for a value cannot miss it. */
async function historyText(workflowId: string): Promise<string> {
  const decode = (v: unknown): unknown =>
    v instanceof Uint8Array ? Buffer.from(v).toString('utf8')
      : Array.isArray(v) ? v.map(decode)
        : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)])) : v;
  return JSON.stringify(decode(plainHistory(await stack.client.workflow.getHandle(workflowId).fetchHistory())));
}

describe('payment-refunded: filter, idempotency key, findOneAndUpdate, parallel, signed HTTP with secrets, html email with cc', () => {
  test('a refund is recorded, the ledger gets a signed request and the customer an html email; secrets stay out of history', async () => {
    const orderId = uid('ord');
    await orders().insertOne({ _id: orderId, status: 'paid', refundedAmount: 500 });
    const refundId = uid('re');
    const email = `${uid('r')}@example.com`;
    const ev = event('payment.refunded', { refund_id: refundId, payment_id: uid('pay'), order_id: orderId, amount: 1250, currency: 'EUR', customer: { email, name: 'Ada' } });
    api.handler = (r) => (r.path === '/ledger/refunds' ? { status: 201, body: { entry: 'led_1' } } : { status: 404 });

    const res = await postEvent(stack.ingressUrl, ev);
    assert.equal(res.status, 202);
    const workflowId = `payment-refunded:payments:${refundId}`;
    assert.deepEqual(res.body.runs.map((r: { workflowId: string }) => r.workflowId), [workflowId]);
    const result = await stack.client.workflow.getHandle(workflowId).result();

    assert.equal((await orders().findOne({ _id: orderId }))?.refundedAmount, 1750);
    const ledger = api.requests.find((r) => r.path === '/ledger/refunds' && r.body.includes(refundId));
    assert.ok(ledger, 'the ledger was called');
    assert.deepEqual(JSON.parse(ledger.body), { refund: refundId, order: orderId, amount: 1250, refundedTotal: 1750 });
    assert.equal(ledger.headers.authorization, SECRETS.LEDGER_API_TOKEN);
    assert.equal(ledger.headers['idempotency-key'], `${workflowId}/tell-ledger`);
    const ts = String(ledger.headers['x-timestamp']);
    const expected = `sha256=${createHmac('sha256', SECRETS.LEDGER_SIGNING_SECRET).update(`${ts}.${ledger.body}`).digest('hex')}`;
    assert.equal(ledger.headers['x-signature'], expected);
    assert.equal(result.steps['tell-ledger'].output.status, 201);
    assert.equal(result.steps.notify.status, 'completed');

    const [mail] = await stack.smtp.waitFor((m) => m.to.includes(email));
    assert.match(mail.html ?? '', /<b>12\.50 EUR<\/b>/);
    assert.ok(mail.cc.includes('refunds@shop.example'));

    const history = await historyText(workflowId);
    for (const value of Object.values(SECRETS)) assert.ok(!history.includes(value), 'a secret value is in the workflow history');
    assert.ok(history.includes('LEDGER_API_TOKEN'), 'the history shows which secret was referenced');
  });

  test('findOneAndUpdate applies once even when the attempt fails right after the write', async () => {
    const orderId = uid('ord');
    await orders().insertOne({ _id: orderId, status: 'paid', refundedAmount: 0 });
    api.handler = () => ({ status: 201 });
    const refundId = uid('re');
    const workflowId = `payment-refunded:payments:${refundId}`;
    const injected: string[] = [];
    stack.faults.afterEffect = ({ idempotencyKey, attempt, activity }) => {
      if (idempotencyKey.startsWith(workflowId) && attempt === 1 && activity === 'mongo.findOneAndUpdate') {
        injected.push(idempotencyKey);
        throw new Error('injected crash after the effect was applied');
      }
    };
    try {
      await postEvent(stack.ingressUrl, event('payment.refunded', { refund_id: refundId, payment_id: uid('pay'), order_id: orderId, amount: 300, currency: 'EUR', customer: { email: `${uid('f')}@example.com` } }));
      const result = await stack.client.workflow.getHandle(workflowId).result();
      assert.deepEqual(injected, [`${workflowId}/record-refund`]);
      const output = result.steps['record-refund'].output as { document: { refundedAmount: number; _hookflowOps?: unknown }; alreadyApplied: boolean };
      assert.equal(output.alreadyApplied, true);
      assert.equal(output.document.refundedAmount, 300);
      assert.equal(output.document._hookflowOps, undefined, 'bookkeeping stays out of the output');
    } finally {
      stack.faults.afterEffect = undefined;
    }
    assert.equal((await orders().findOne({ _id: orderId }))?.refundedAmount, 300);
  });

  test('the trigger filter: a zero-amount refund starts no run', async () => {
    const ev = event('payment.refunded', { refund_id: uid('re'), payment_id: 'p', order_id: 'o', amount: 0, currency: 'EUR', customer: { email: 'z@example.com' } });
    const res = await postEvent(stack.ingressUrl, ev);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ignored');
  });

  test('the idempotency key: the same refund under a new event id is a duplicate', async () => {
    const orderId = uid('ord');
    await orders().insertOne({ _id: orderId, status: 'paid' });
    api.handler = () => ({ status: 201 });
    const data = { refund_id: uid('re'), payment_id: uid('pay'), order_id: orderId, amount: 100, currency: 'EUR', customer: { email: `${uid('d')}@example.com` } };
    const first = await postEvent(stack.ingressUrl, event('payment.refunded', data));
    const again = await postEvent(stack.ingressUrl, event('payment.refunded', data));
    assert.equal(first.status, 202);
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'duplicate');
    await stack.client.workflow.getHandle(first.body.runs[0].workflowId).result();
    assert.equal((await orders().findOne({ _id: orderId }))?.refundedAmount, 100);
  });
});

describe('order-placed: forEach, if, step outputs, retry, compensate (saga) and onFailure', () => {
  test('the happy path reserves each line, charges and creates the shipment', async () => {
    const [a, b] = [uid('SKU'), uid('SKU')];
    await inventory().insertMany([{ _id: a, stock: 5 }, { _id: b, stock: 5 }]);
    const orderId = uid('ord');
    api.handler = (r) => (r.path === '/psp/charges' ? { status: 201, body: { id: `ch_${orderId}` } } : { status: 404 });
    const ev = event('order.placed', { order_id: orderId, amount: 3000, currency: 'EUR', express: true, customer: { email: `${uid('o')}@example.com` }, items: [{ sku: a, quantity: 2 }, { sku: b, quantity: 1 }] });
    const res = await postEvent(stack.ingressUrl, ev);
    assert.equal(res.status, 202);
    const result = await stack.client.workflow.getHandle(res.body.runs[0].workflowId).result();
    assert.equal(result.steps['flag-express'].status, 'completed');
    assert.deepEqual([(await inventory().findOne({ _id: a }))?.stock, (await inventory().findOne({ _id: b }))?.stock], [3, 4]);
    const shipment = await stack.db.collection('shipments').findOne({ order: orderId });
    assert.equal(shipment?.charge, `ch_${orderId}`);
    assert.equal(shipment?.express, true);
    assert.equal(shipment?.lines, 2);
    assert.equal((await orders().findOne({ _id: orderId }))?.status, 'placed');
  });

  test('a declined charge undoes the completed steps in reverse order, then tells the customer', async () => {
    const [a, b] = [uid('SKU'), uid('SKU')];
    await inventory().insertMany([{ _id: a, stock: 5 }, { _id: b, stock: 5 }]);
    const orderId = uid('ord');
    const email = `${uid('fail')}@example.com`;
    api.handler = (r) => (r.path === '/psp/charges' ? { status: 402, body: { error: 'card_declined' } } : { status: 404 });
    const ev = event('order.placed', { order_id: orderId, amount: 3000, currency: 'EUR', customer: { email }, items: [{ sku: a, quantity: 2 }, { sku: b, quantity: 4 }] });
    const res = await postEvent(stack.ingressUrl, ev);
    const handle = stack.client.workflow.getHandle(res.body.runs[0].workflowId);
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      return true;
    });
    assert.equal(api.requests.filter((r) => r.path === '/psp/charges' && r.body.includes(orderId)).length, 1, '402 is not retried');
    assert.deepEqual([(await inventory().findOne({ _id: a }))?.stock, (await inventory().findOne({ _id: b }))?.stock], [5, 5]);
    assert.equal((await orders().findOne({ _id: orderId }))?.status, 'cancelled');
    const [mail] = await stack.smtp.waitFor((m) => m.to.includes(email));
    assert.match(mail.text ?? '', /failed at: charge/);

    // Compensations ran after the failure, newest first: the order was cancelled last (local steps name theirs on their marker).
    const history = plainHistory(await handle.fetchHistory());
    const summaries = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
      .map((e) => JSON.parse(Buffer.from(e.userMetadata!.summary!.data!).toString()) as string);
    const after = summaries.slice(summaries.indexOf('charge') + 1);
    assert.deepEqual(after.slice(0, 2).sort(), ['reserve-stock[0].compensate', 'reserve-stock[1].compensate']);
    assert.deepEqual(after.slice(2), ['create-order.compensate', 'tell-customer', 'log-failure']);
  });

  test('running out of stock fails the reservation after its retries and releases what was reserved', async () => {
    const [a, b] = [uid('SKU'), uid('SKU')];
    await inventory().insertMany([{ _id: a, stock: 5 }, { _id: b, stock: 1 }]);
    const orderId = uid('ord');
    const ev = event('order.placed', { order_id: orderId, amount: 10, currency: 'EUR', customer: { email: `${uid('s')}@example.com` }, items: [{ sku: a, quantity: 2 }, { sku: b, quantity: 3 }] });
    const res = await postEvent(stack.ingressUrl, ev);
    await assert.rejects(stack.client.workflow.getHandle(res.body.runs[0].workflowId).result(), WorkflowFailedError);
    assert.deepEqual([(await inventory().findOne({ _id: a }))?.stock, (await inventory().findOne({ _id: b }))?.stock], [5, 1]);
    assert.equal((await orders().findOne({ _id: orderId }))?.status, 'cancelled');
    assert.equal(api.requests.filter((r) => r.body.includes(orderId)).length, 0, 'nothing was charged');
  });
});

describe('payment-pending: a durable delay, then reconciliation against the provider API', () => {
  test('after the delay the provider is asked and the order marked paid', async () => {
    const orderId = uid('ord');
    const paymentId = uid('pay');
    api.handler = (r) => (r.path === `/psp/payments/${paymentId}` ? { status: 200, body: { status: 'succeeded' } } : { status: 404 });
    const res = await postEvent(stack.ingressUrl, event('payment.pending', { payment_id: paymentId, order_id: orderId, reconcile_after: '1s' }));
    const handle = stack.client.workflow.getHandle(res.body.runs[0].workflowId);
    const result = await handle.result();
    assert.equal(result.steps['mark-paid'].status, 'completed');
    assert.equal(result.steps['mark-failed'].status, 'skipped');
    const order = await orders().findOne({ _id: orderId });
    assert.deepEqual([order?.status, order?.reconciledBy], ['paid', 'poll']);
    const history = plainHistory(await handle.fetchHistory());
    const timer = (history.events ?? []).find((e) => e.timerStartedEventAttributes);
    assert.equal(Number(timer?.timerStartedEventAttributes?.startToFireTimeout?.seconds), 1, 'the delay is a durable timer');
    assert.equal(Buffer.from(timer!.userMetadata!.summary!.data!).toString(), '"wait-for-callback"', 'the timer is named after its step in the UI');
  });

  test('a payment.succeeded that arrived during the delay means the provider is not asked', async () => {
    const orderId = uid('ord');
    const paymentId = uid('pay');
    const res = await postEvent(stack.ingressUrl, event('payment.pending', { payment_id: paymentId, order_id: orderId, reconcile_after: '2s' }));
    const handle = stack.client.workflow.getHandle(res.body.runs[0].workflowId);
    // The order gets paid by another path while the run waits.
    await waitFor('the order to await its payment', async () => (await orders().findOne({ _id: orderId }))?.status === 'awaiting-payment');
    await orders().updateOne({ _id: orderId }, { $set: { status: 'paid' } });
    const result = await handle.result();
    assert.equal(result.steps['ask-provider'].status, 'skipped');
    assert.equal(api.requests.filter((r) => r.path.includes(paymentId)).length, 0);
  });
});
