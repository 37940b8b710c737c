// What one card payment costs, on the real stack (HTTP → Temporal → FerretDB/SMTP, shipped flows):
// one run, no correlated payment-created run beside it (that flow's trigger filter keeps card
// payments' payment.succeeded away from it, engine/select.ts), and short steps as local activities
// (workflows/run-flow.ts), with one patch marker (NEW_RUN_PATCH) for all it starts with. The payment-succeeded run's MongoDB
// writes leave local-activity markers instead of activity tasks, the email stays an ordinary
// activity, and a local attempt that fails after its write landed is retried without applying
// the write twice. (A worker killed -9 after a landed local write, where the workflow task itself
// is retried, is the chaos scenario reserve-stock, test/integration/chaos.test.ts.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowNotFoundError } from '@temporalio/client';
import { startTestStack, type TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { NEW_RUN_PATCH } from '../../workflows/run-flow';

let stack: TestStack;

before(async () => { stack = await startTestStack(); });
after(async () => { await stack?.stop(); });

async function seed(stock: Record<string, number>) {
  const orderId = uid('ord');
  await stack.db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: orderId, status: 'pending' });
  for (const [sku, n] of Object.entries(stock)) await stack.db.collection<{ _id: string; stock: number }>('inventory').insertOne({ _id: sku, stock: n });
  return orderId;
}

const stockOf = async (sku: string) => (await stack.db.collection<{ _id: string; stock: number }>('inventory').findOne({ _id: sku }))?.stock;

/** Activity types scheduled as activity tasks, and the number of local-activity markers, in a run's history. */
async function shape(workflowId: string) {
  const events = (await stack.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const scheduled = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));
  const markers = events.map((e) => e.markerRecordedEventAttributes?.markerName).filter(Boolean);
  const patches = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => Buffer.from(e.markerRecordedEventAttributes!.details!['patch-data']!.payloads![0].data!).toString());
  // The SDK upserts TemporalChangeVersion once per patch marker.
  const versionUpserts = events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.TemporalChangeVersion).length;
  const timers = events.filter((e) => e.timerStartedEventAttributes).length;
  return { scheduled, localMarkers: markers.filter((m) => m === 'core_local_activity').length, timers, patches, versionUpserts };
}

async function pay(items: { sku: string; quantity: number }[], orderId: string) {
  const email = `${uid('local')}@example.com`;
  const event = paymentSucceeded({ orderId, email, items, amount: 1200 });
  const res = await postEvent(stack.ingressUrl, event);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const workflowId = `payment-succeeded:payments:${event.id}`;
  assert.deepEqual(res.body.runs.map((r: { workflowId: string }) => r.workflowId), [workflowId], 'one run per card payment');
  await stack.client.workflow.getHandle(workflowId).result();
  return { workflowId, email, paymentId: event.data.payment_id as string };
}

test('a card payment starts no payment-created run waiting for a payment.created that never comes', async () => {
  const sku = uid('SKU');
  const orderId = await seed({ [sku]: 3 });
  const { paymentId } = await pay([{ sku, quantity: 1 }], orderId);
  // The ingress answered after handing the event to every run it routes to, and the payment run has closed.
  await assert.rejects(stack.client.workflow.getHandle(`payment-created:payments:${paymentId}`).describe(), WorkflowNotFoundError);
});

test('the payment flow writes MongoDB through local activities and sends its email as an activity task', async () => {
  const [a, b] = [uid('SKU'), uid('SKU')];
  const orderId = await seed({ [a]: 10, [b]: 5 });
  const { workflowId, email } = await pay([{ sku: a, quantity: 2 }, { sku: b, quantity: 1 }], orderId);

  const { scheduled, localMarkers, patches, versionUpserts } = await shape(workflowId);
  assert.deepEqual(scheduled, ['email.send'], 'only the email went through an activity task');
  assert.equal(localMarkers, 3, 'mark-order-paid and two inventory lines ran locally');
  assert.equal(patches.length, 1, `one patch marker per new run (got ${patches.join(', ')})`);
  assert.ok(patches[0].includes(`"${NEW_RUN_PATCH.id}"`), `the run recorded ${NEW_RUN_PATCH.id} (got ${patches[0]})`);
  assert.equal(versionUpserts, 1, 'one TemporalChangeVersion upsert, for that one marker');
  assert.equal((await stack.db.collection<{ _id: string; status: string }>('orders').findOne({ _id: orderId }))?.status, 'paid');
  assert.equal(await stockOf(a), 8);
  assert.equal(await stockOf(b), 4);
  assert.equal(stack.smtp.messages.filter((m) => m.to.includes(email)).length, 1);
});

test('a local attempt that fails after its write landed is retried locally, after a durable timer, and the write applies once', async () => {
  const [a, b] = [uid('SKU'), uid('SKU')];
  const orderId = await seed({ [a]: 10, [b]: 10 });
  const attempts: string[] = [];
  stack.faults.afterEffect = ({ activity, idempotencyKey, attempt }) => {
    if (!activity.startsWith('mongo.')) return;
    attempts.push(`${idempotencyKey.split('/').pop()}#${attempt}`);
    if (attempt === 1) throw new Error('injected: the attempt died after its write');
  };
  try {
    const { workflowId } = await pay([{ sku: a, quantity: 3 }, { sku: b, quantity: 4 }], orderId);
    assert.deepEqual(attempts.sort(), ['decrement-inventory[0]#1', 'decrement-inventory[0]#2', 'decrement-inventory[1]#1', 'decrement-inventory[1]#2', 'mark-order-paid#1', 'mark-order-paid#2']);
    assert.equal(await stockOf(a), 7, 'decremented once, not once per attempt');
    assert.equal(await stockOf(b), 6);
    const { scheduled, localMarkers, timers } = await shape(workflowId);
    assert.deepEqual(scheduled, ['email.send'], 'the retries stayed local');
    // The backoff (1 s) is past the local retry threshold (500 ms): the failed attempt is recorded
    // and its wait is a durable timer, so no workflow-task slot is held through it (issue 25).
    assert.equal(localMarkers, 6, 'each step: its failed attempt, then its retry');
    assert.equal(timers, 3, 'one durable timer per retried step');
  } finally {
    stack.faults.afterEffect = undefined;
  }
});
