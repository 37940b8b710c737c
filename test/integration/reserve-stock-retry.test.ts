// The shipped reserve-stock step (flows/order-placed.yaml) through the whole stack, with stock
// exactly equal to the quantity and the attempt failing after its write landed (issue 13, hole 1):
// the retry must see its own write as applied, so the order goes through and the stock is exact.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../helpers/stack';
import { postEvent, uid } from '../helpers/events';
import { startFakeApi, type FakeApi } from '../helpers/fake-api';

let stack: TestStack;
let api: FakeApi;
before(async () => {
  api = await startFakeApi();
  Object.assign(process.env, { PAYMENTS_API_URL: `${api.url}/psp`, PAYMENTS_API_TOKEN: `Bearer ${uid('tok')}` });
  stack = await startTestStack();
});
after(async () => {
  await stack?.stop();
  await api?.close();
});

test('reserve-stock: stock equal to the quantity, the write lands, the attempt fails; the retry sees applied and the order goes through', async () => {
  const sku = uid('SKU');
  await stack.db.collection<{ _id: string; stock: number }>('inventory').insertOne({ _id: sku, stock: 2 });
  const orderId = uid('ord');
  api.handler = (r) => (r.path === '/psp/charges' ? { status: 201, body: { id: `ch_${orderId}` } } : { status: 404 });
  const ev = { id: uid('evt'), type: 'order.placed', created_at: '2026-11-23T10:00:00Z', data: { order_id: orderId, amount: 500, currency: 'EUR', customer: { email: `${uid('r')}@example.com` }, items: [{ sku, quantity: 2 }] } };
  const crashed: string[] = [];
  stack.faults.afterEffect = ({ idempotencyKey, attempt }) => {
    if (idempotencyKey === `order-placed:payments:${ev.id}/reserve-stock[0]` && attempt === 1) {
      crashed.push(idempotencyKey);
      throw new Error('injected: the worker died after the write landed');
    }
  };
  try {
    const res = await postEvent(stack.ingressUrl, ev);
    assert.equal(res.status, 202);
    const result = await stack.client.workflow.getHandle(res.body.runs[0].workflowId).result();
    assert.equal(crashed.length, 1, 'the fault was injected once');
    assert.equal(result.steps['reserve-stock'].status, 'completed');
    assert.equal((await stack.db.collection('inventory').findOne({ _id: sku as never }))?.stock, 0);
    assert.equal((await stack.db.collection('orders').findOne({ _id: orderId as never }))?.status, 'placed');
    assert.equal(await stack.db.collection('shipments').countDocuments({ order: orderId }), 1);
  } finally {
    stack.faults.afterEffect = undefined;
  }
});
