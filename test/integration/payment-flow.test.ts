// HTTP → Temporal → MongoDB/SMTP, all real: the shipped payment-succeeded flow end to end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';

let stack: TestStack;

before(async () => { stack = await startTestStack(); });
after(async () => { await stack?.stop(); });

async function seedOrder(items: { sku: string; stock: number }[]) {
  const orderId = uid('ord');
  await stack.db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: orderId, status: 'pending' });
  for (const i of items) await stack.db.collection<{ _id: string; stock: number }>('inventory').insertOne({ _id: i.sku, stock: i.stock });
  return orderId;
}

async function stockOf(sku: string): Promise<number> {
  const doc = await stack.db.collection<{ _id: string; stock: number }>('inventory').findOne({ _id: sku });
  return doc!.stock;
}

describe('payment.succeeded end to end', () => {
  test('a signed event marks the order paid, decrements stock per line and emails the customer', async () => {
    const [tshirt, mug] = [uid('SKU'), uid('SKU')];
    const orderId = await seedOrder([{ sku: tshirt, stock: 10 }, { sku: mug, stock: 5 }]);
    const email = `${uid('ada')}@example.com`;
    const event = paymentSucceeded({ orderId, email, items: [{ sku: tshirt, quantity: 2 }, { sku: mug, quantity: 1 }], amount: 4500 });

    const res = await postEvent(stack.ingressUrl, event);
    assert.equal(res.status, 202);
    assert.equal(res.body.status, 'accepted');
    const workflowId = `payment-succeeded:payments:${event.id}`;
    assert.deepEqual(res.body.runs.map((r: { workflowId: string }) => r.workflowId), [workflowId]);

    await stack.client.workflow.getHandle(workflowId).result();
    const order = await stack.db.collection<{ _id: string; status: string; paymentId: string; paidAmount: number }>('orders').findOne({ _id: orderId });
    assert.equal(order?.status, 'paid');
    assert.equal(order?.paymentId, event.data.payment_id);
    assert.equal(order?.paidAmount, 4500);
    assert.equal(await stockOf(tshirt), 8);
    assert.equal(await stockOf(mug), 4);
    const [mail] = await stack.smtp.waitFor((m) => m.to.includes(email));
    assert.equal(mail.subject, `Payment received for order ${orderId}`);
    assert.match(mail.text ?? '', /45\.00 EUR/);
  });

  test('the same event delivered 20 times at once starts one run with one set of effects', async () => {
    const sku = uid('SKU');
    const orderId = await seedOrder([{ sku, stock: 100 }]);
    const email = `${uid('dup')}@example.com`;
    const event = paymentSucceeded({ orderId, email, items: [{ sku, quantity: 3 }] });

    const responses = await Promise.all(Array.from({ length: 20 }, () => postEvent(stack.ingressUrl, event)));
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array(19).fill(200), 202].sort());
    const ids = new Set(responses.map((r) => r.body.runs[0].workflowId));
    assert.equal(ids.size, 1, 'every answer names the same run');
    const workflowId = [...ids][0];
    await stack.client.workflow.getHandle(workflowId).result();

    const late = await postEvent(stack.ingressUrl, event);
    assert.equal(late.status, 200, 'a redelivery after the run finished is still a duplicate');
    assert.equal(late.body.runs[0].workflowId, workflowId);

    assert.equal(await stockOf(sku), 97);
    // The run has closed, so every email it sent is caught: the catcher keeps a message before it answers 250.
    assert.equal(stack.smtp.messages.filter((m) => m.to.includes(email)).length, 1);
  });

  test('a retried step never applies its effect twice, even when the attempt fails after the write', async () => {
    const [a, b] = [uid('SKU'), uid('SKU')];
    const orderId = await seedOrder([{ sku: a, stock: 10 }, { sku: b, stock: 10 }]);
    const email = `${uid('retry')}@example.com`;
    const event = paymentSucceeded({ orderId, email, items: [{ sku: a, quantity: 1 }, { sku: b, quantity: 4 }] });
    const workflowId = `payment-succeeded:payments:${event.id}`;
    const injected: string[] = [];
    stack.faults.afterEffect = ({ idempotencyKey, attempt, activity }) => {
      if (idempotencyKey.startsWith(workflowId) && attempt === 1) {
        injected.push(`${activity} ${idempotencyKey}`);
        throw new Error('injected crash after the effect was applied');
      }
    };
    try {
      assert.equal((await postEvent(stack.ingressUrl, event)).status, 202);
      await stack.client.workflow.getHandle(workflowId).result();
    } finally {
      stack.faults.afterEffect = undefined;
    }
    assert.equal(injected.length, 4, `every effect failed once after writing: ${injected.join(', ')}`);
    const order = await stack.db.collection<{ _id: string; status: string }>('orders').findOne({ _id: orderId });
    assert.equal(order?.status, 'paid');
    assert.equal(await stockOf(a), 9);
    assert.equal(await stockOf(b), 6);
    await stack.smtp.waitFor((m) => m.to.includes(email));
    assert.equal(stack.smtp.messages.filter((m) => m.to.includes(email)).length, 1);
  });
});

describe('bad input gets a clear answer and starts nothing', () => {
  async function assertNoRun(eventId: string) {
    await assert.rejects(stack.client.workflow.getHandle(`payment-succeeded:payments:${eventId}`).describe(), /not found/i);
  }

  test('unknown source: 404', async () => {
    const res = await postEvent(stack.ingressUrl, paymentSucceeded({ orderId: 'o', items: [{ sku: 's', quantity: 1 }] }), { source: 'nope' });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'unknown_source');
  });

  test('wrong content type: 415', async () => {
    const event = paymentSucceeded({ orderId: 'o', items: [{ sku: 's', quantity: 1 }] });
    const res = await postEvent(stack.ingressUrl, event, { headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 415);
    await assertNoRun(event.id);
  });

  test('body over the source limit: 413', async () => {
    const event = { ...paymentSucceeded({ orderId: 'o', items: [{ sku: 's', quantity: 1 }] }), padding: 'x'.repeat(300_000) };
    const res = await postEvent(stack.ingressUrl, event);
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'payload_too_large');
    await assertNoRun(event.id);
  });

  test('missing, invalid and stale signatures: 401 with distinct codes', async () => {
    const event = paymentSucceeded({ orderId: 'o', items: [{ sku: 's', quantity: 1 }] });
    const missing = await postEvent(stack.ingressUrl, event, { headers: { 'x-hookflow-signature': '' } });
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, 'signature_missing');
    const wrong = await postEvent(stack.ingressUrl, event, { secret: 'not-the-secret' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'signature_invalid');
    const raw = JSON.stringify(event);
    const stale = await fetch(`${stack.ingressUrl}/webhooks/payments`, {
      method: 'POST',
      headers: (await import('../helpers/events')).signPayments(raw, { timestamp: Math.floor(Date.now() / 1000) - 3600 }),
      body: raw,
    });
    assert.equal(stale.status, 401);
    assert.equal(((await stale.json()) as { error: { code: string } }).error.code, 'signature_stale');
    await assertNoRun(event.id);
  });

  test('malformed JSON: 400', async () => {
    const res = await postEvent(stack.ingressUrl, '{"id": "evt_x", "type": ');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'malformed_body');
  });

  test('schema violation: 422 listing every violation', async () => {
    const event = paymentSucceeded({ orderId: 'o', items: [{ sku: 's', quantity: 0 }] }) as any;
    event.data.currency = 'euro';
    delete event.data.customer;
    const res = await postEvent(stack.ingressUrl, event);
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, 'schema_violation');
    const paths = res.body.error.violations.map((v: { path: string }) => v.path).sort();
    assert.deepEqual(paths, ['/data', '/data/currency', '/data/items/0/quantity']);
    await assertNoRun(event.id);
  });

  test('an event type no flow handles is acknowledged as ignored', async () => {
    const res = await postEvent(stack.ingressUrl, { id: uid('evt'), type: 'payment.disputed' });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ignored');
    assert.deepEqual(res.body.runs, []);
  });
});
