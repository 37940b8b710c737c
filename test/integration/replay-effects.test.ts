// Replay on the real stack, about effects and retries: a replay keeps the original run's step
// idempotency keys, so replaying an event whose run completed applies nothing again (stock,
// email, counter); a replay whose second start fails records the run it did start, and retrying
// it continues that replay instead of starting a duplicate at the next ":replay:n".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startTestStack, type TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { admin } from '../helpers/admin';
import { UnavailableError } from '../../lib/errors';
import type { DeliveryRecord } from '../../server/deliveries/record';

let stack: TestStack;

before(async () => { stack = await startTestStack({ flowsDir: join(ROOT, 'test/fixtures/replay/flows') }); });
after(async () => { await stack?.stop(); });

const api = (method: 'GET' | 'POST', path: string, body?: unknown) => admin(stack.adminUrl, method, path, { body });
const replay = (deliveryId: string) => api('POST', `/admin/deliveries/${encodeURIComponent(deliveryId)}/replay`);
const workflowIdOf = (flow: string, eventId: string) => `${flow}:payments:${eventId}`;

/** A paid order of one item (stock 10, quantity 3), with both runs closed. */
async function pay() {
  const sku = uid('SKU');
  const orderId = uid('ord');
  const email = `${uid('rp')}@example.com`;
  await stack.db.collection<{ _id: string; stock: number }>('inventory').insertOne({ _id: sku, stock: 10 });
  const event = paymentSucceeded({ orderId, email, items: [{ sku, quantity: 3 }] });
  const res = await postEvent(stack.ingressUrl, event);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  for (const run of res.body.runs as { workflowId: string }[]) await stack.client.workflow.getHandle(run.workflowId).result();
  return { sku, orderId, email, eventId: event.id, deliveryId: res.body.deliveryId as string };
}

async function effects(p: { sku: string; orderId: string; email: string }) {
  const stock = (await stack.db.collection<{ _id: string; stock: number }>('inventory').findOne({ _id: p.sku }))?.stock;
  const payments = (await stack.db.collection<{ _id: string; payments: number }>('payment_counts').findOne({ _id: p.orderId }))?.payments;
  const mails = stack.smtp.messages.filter((m) => m.to.includes(p.email)).length;
  return { stock, payments, mails };
}

const recordOf = async (deliveryId: string) => (await stack.deliveries.collection.findOne({ _id: deliveryId })) as DeliveryRecord;

describe('replay keeps the original step keys', () => {
  test('replaying an event whose runs completed does not take the stock again, send a second email or count twice', async () => {
    const p = await pay();
    assert.deepEqual(await effects(p), { stock: 7, payments: 1, mails: 1 });

    const res = await replay(p.deliveryId);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const runs = res.body.runs as { workflowId: string }[];
    assert.deepEqual(runs.map((r) => r.workflowId).sort(), [`${workflowIdOf('count-payment', p.eventId)}:replay:1`, `${workflowIdOf('pay-and-mail', p.eventId)}:replay:1`]);
    const results = await Promise.all(runs.map((r) => stack.client.workflow.getHandle(r.workflowId).result()));

    assert.deepEqual(await effects(p), { stock: 7, payments: 1, mails: 1 }, 'the replay recognised every effect of the original');
    const mail = results.find((r) => r.flow === 'pay-and-mail')!.steps['email-customer'].output as { sent: boolean };
    assert.equal(mail.sent, false, 'the email step found the original email');
  });
});

describe('a replay cut short', () => {
  test('records the run it started; retried, it starts only the rest, under the same replay number', async () => {
    const p = await pay();
    let starts = 0;
    stack.faults.beforeReplayStart = async () => {
      if (++starts === 2) throw new UnavailableError('injected: the second start failed as when Temporal is unavailable');
    };
    try {
      const failed = await replay(p.deliveryId);
      assert.equal(failed.status, 503, JSON.stringify(failed.body));
    } finally {
      stack.faults.beforeReplayStart = undefined;
    }
    const partial = await recordOf(p.deliveryId);
    assert.equal(partial.replays?.length, 1);
    assert.equal(partial.replays![0].runs.length, 1, 'the run that started is recorded');
    const [firstRun] = partial.replays![0].runs;

    const retried = await replay(p.deliveryId);
    assert.equal(retried.status, 202, JSON.stringify(retried.body));
    assert.equal(retried.body.continued, true);
    const ids = (retried.body.runs as { workflowId: string }[]).map((r) => r.workflowId).sort();
    assert.deepEqual(ids, [`${workflowIdOf('count-payment', p.eventId)}:replay:1`, `${workflowIdOf('pay-and-mail', p.eventId)}:replay:1`]);
    for (const id of ids) await stack.client.workflow.getHandle(id).result();

    const done = await recordOf(p.deliveryId);
    assert.equal(done.replays?.length, 1, 'the retry continued the replay, it did not start another');
    assert.deepEqual(done.replays![0].runs.map((r) => r.workflowId).sort(), ids);
    assert.ok(done.replays![0].runs.some((r) => r.workflowId === firstRun.workflowId && r.runId === firstRun.runId));
    for (const flow of ['count-payment', 'pay-and-mail']) {
      const second = stack.client.workflow.getHandle(`${workflowIdOf(flow, p.eventId)}:replay:2`);
      await assert.rejects(second.describe(), /not found/i, `no duplicate run of ${flow}`);
    }

    // The replay is finished: the next one is a new replay, numbered on.
    const next = await replay(p.deliveryId);
    assert.equal(next.status, 202);
    assert.equal(next.body.continued, false);
    assert.ok((next.body.runs as { workflowId: string }[]).every((r) => r.workflowId.endsWith(':replay:2')));
    for (const r of next.body.runs as { workflowId: string }[]) await stack.client.workflow.getHandle(r.workflowId).result();
    assert.deepEqual(await effects(p), { stock: 7, payments: 1, mails: 1 });
  });

  test('a run started but not recorded (the ingress died in between) is recognised by its memo, not started again', async () => {
    const p = await pay();
    let starts = 0;
    stack.faults.beforeReplayStart = async () => {
      if (++starts === 2) throw new UnavailableError('injected: the second start failed');
    };
    try {
      assert.equal((await replay(p.deliveryId)).status, 503);
    } finally {
      stack.faults.beforeReplayStart = undefined;
    }
    // The state a crash between the first start and its record leaves: the replay without runs.
    const [started] = (await recordOf(p.deliveryId)).replays![0].runs;
    await stack.deliveries.collection.updateOne({ _id: p.deliveryId }, { $set: { 'replays.0.runs': [] } });

    const retried = await replay(p.deliveryId);
    assert.equal(retried.status, 202, JSON.stringify(retried.body));
    const runs = (await recordOf(p.deliveryId)).replays![0].runs;
    assert.equal(runs.length, 2);
    assert.ok(runs.some((r) => r.workflowId === started.workflowId && r.runId === started.runId), 'the unrecorded run is recorded as it was');
    assert.ok(runs.every((r) => r.workflowId.endsWith(':replay:1')));
    for (const r of runs) await stack.client.workflow.getHandle(r.workflowId).result();
  });
});
