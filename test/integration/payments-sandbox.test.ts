// The payments sandbox npm start runs: the shipped reconciliation flow (payment-created, durations
// shortened) asks it for the status when no callback comes, and `hookflow sandbox payment` (the
// real CLI process) or the events sent through the ingress (data.status, read from the delivery
// records) change what it answers. Real stack, real HTTP on loopback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { spawnFile } from '../helpers/spawn-file';
import { freePort } from '../../lib/net';
import { PAYMENTS_SANDBOX } from '../../lib/dev-defaults';
import { type PaymentsSandbox, startPaymentsSandbox } from '../../devstack/payments-sandbox';
import { startTestStack, type TestStack } from '../helpers/stack';
import { shortenedFlows } from '../helpers/short-flows';
import { postEvent, uid } from '../helpers/events';

let sandbox: PaymentsSandbox;
let stack: TestStack;
let flows: ReturnType<typeof shortenedFlows>;

before(async () => {
  flows = shortenedFlows();
  stack = await startTestStack({ flowsDir: flows.dir });
  // As npm start wires it (the collection by name): the delivery records of this stack's ingress.
  sandbox = await startPaymentsSandbox({
    port: await freePort(), token: PAYMENTS_SANDBOX.token, deliveries: stack.db.collection('hookflow_deliveries'),
    ledger: { token: PAYMENTS_SANDBOX.ledgerToken, signingSecret: PAYMENTS_SANDBOX.ledgerSigningSecret },
  });
  Object.assign(process.env, {
    PAYMENTS_API_URL: sandbox.url, PAYMENTS_API_TOKEN: PAYMENTS_SANDBOX.token,
    LEDGER_API_URL: `${sandbox.url}/ledger`, LEDGER_API_TOKEN: PAYMENTS_SANDBOX.ledgerToken, LEDGER_SIGNING_SECRET: PAYMENTS_SANDBOX.ledgerSigningSecret,
  });
});
after(async () => {
  await stack?.stop();
  await sandbox?.close();
  flows?.remove();
});

const orders = () => stack.db.collection<{ _id: string; [k: string]: unknown }>('orders');

async function bankTransfer(paymentId = uid('pay'), status?: string): Promise<{ paymentId: string; orderId: string; workflowId: string }> {
  const p = { paymentId, orderId: uid('ord') };
  const sku = uid('SKU');
  await orders().insertOne({ _id: p.orderId, status: 'pending' });
  await stack.db.collection<{ _id: string; stock: number }>('inventory').insertOne({ _id: sku, stock: 5 });
  const res = await postEvent(stack.ingressUrl, {
    id: uid('evt'), type: 'payment.created', created_at: '2026-11-23T10:00:00Z',
    data: { payment_id: p.paymentId, order_id: p.orderId, amount: 2500, currency: 'EUR', method: 'bank_transfer', customer: { email: `${uid('c')}@example.com` }, items: [{ sku, quantity: 1 }], ...(status && { status }) },
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return { ...p, workflowId: `payment-created:payments:${p.paymentId}` };
}

describe('payment-created reconciles against the sandbox', () => {
  test('no callback: the sandbox reports succeeded for a payment it was not told about; the order is paid', async () => {
    const p = await bankTransfer();
    await stack.client.workflow.getHandle(p.workflowId).result();
    const order = await orders().findOne({ _id: p.orderId });
    assert.equal(order?.status, 'paid');
    assert.equal(order?.confirmedBy, 'reconciled');
  });

  test('hookflow sandbox payment ID failed: the reconciliation marks the order failed', async () => {
    const paymentId = uid('pay');
    const cli = await spawnFile('bin/hookflow', ['sandbox', 'payment', paymentId, 'failed', '--url', sandbox.url]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(sandbox.payments.get(paymentId), 'failed');
    const p = await bankTransfer(paymentId);
    await stack.client.workflow.getHandle(p.workflowId).result();
    assert.equal((await orders().findOne({ _id: p.orderId }))?.status, 'payment-failed');
  });

  test('payment.created with data.status failed: the sandbox reports it, with no CLI call; the order is marked failed', async () => {
    const p = await bankTransfer(uid('pay'), 'failed');
    await stack.client.workflow.getHandle(p.workflowId).result();
    const order = await orders().findOne({ _id: p.orderId });
    assert.deepEqual([order?.status, order?.confirmedBy], ['payment-failed', 'reconciled']);
    assert.equal(sandbox.payments.get(p.paymentId), 'failed');
  });

  test('the latest word wins, event or CLI; an unknown data.status changes nothing', async () => {
    const status = async (id: string) => ((await (await fetch(`${sandbox.url}/payments/${id}`, { headers: { authorization: PAYMENTS_SANDBOX.token } })).json()) as { status: string }).status;
    const { paymentId } = await bankTransfer(uid('pay'), 'expired');
    assert.equal(await status(paymentId), 'expired');
    const cli = await spawnFile('bin/hookflow', ['sandbox', 'payment', paymentId, 'succeeded', '--url', sandbox.url]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(await status(paymentId), 'succeeded');
    // Set by the CLI first, then by an event (another payment: one run per payment takes one payment.created).
    const later = uid('pay');
    assert.equal((await spawnFile('bin/hookflow', ['sandbox', 'payment', later, 'pending', '--url', sandbox.url])).code, 0);
    assert.equal(await status(later), 'pending');
    await bankTransfer(later, 'cancelled');
    assert.equal(await status(later), 'cancelled');
    const other = await bankTransfer(uid('pay'), 'maybe');
    assert.equal(await status(other.paymentId), 'succeeded');
    assert.equal(sandbox.payments.has(other.paymentId), false);
  });

  test('payment-refunded tells the sandbox ledger, signed: the refund is recorded once; a wrong token or signature is refused', async () => {
    const orderId = uid('ord');
    await orders().insertOne({ _id: orderId, status: 'paid' });
    const refundId = uid('re');
    const res = await postEvent(stack.ingressUrl, {
      id: uid('evt'), type: 'payment.refunded', created_at: '2026-11-23T10:00:00Z',
      data: { refund_id: refundId, payment_id: uid('pay'), order_id: orderId, amount: 700, currency: 'EUR', customer: { email: `${uid('c')}@example.com` } },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await stack.client.workflow.getHandle(res.body.runs[0].workflowId).result();
    assert.deepEqual(sandbox.refunds.filter((r) => r.refund === refundId).map((r) => [r.order, r.amount]), [[orderId, 700]]);
    const body = JSON.stringify({ refund: 'r1' });
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = (secret: string) => `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
    const ledger = (authorization: string, sig: string) => fetch(`${sandbox.url}/ledger/refunds`, { method: 'POST', headers: { authorization, 'x-timestamp': ts, 'x-signature': sig }, body });
    assert.equal((await ledger('Bearer guess', signature(PAYMENTS_SANDBOX.ledgerSigningSecret))).status, 401);
    assert.equal((await ledger(PAYMENTS_SANDBOX.ledgerToken, signature('not-the-secret'))).status, 401);
    assert.equal((await ledger(PAYMENTS_SANDBOX.ledgerToken, signature(PAYMENTS_SANDBOX.ledgerSigningSecret))).status, 201);
  });

  test('the sandbox refuses a wrong token and an unknown status; the CLI says so', async () => {
    const wrong = await fetch(`${sandbox.url}/payments/p1`, { headers: { authorization: 'Bearer guess' } });
    assert.equal(wrong.status, 401);
    const bad = await fetch(`${sandbox.url}/payments/p1`, { method: 'PUT', headers: { authorization: PAYMENTS_SANDBOX.token }, body: '{"status":"maybe"}' });
    assert.equal(bad.status, 400);
    const usage = await spawnFile('bin/hookflow', ['sandbox', 'payment', 'p1', 'maybe', '--url', sandbox.url]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /STATUS must be one of pending, succeeded, failed, expired, cancelled/);
  });
});
