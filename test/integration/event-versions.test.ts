// Event versions and trigger patterns on the real stack (test/fixtures/versions): a version 1 and
// a version 2 order.shipped both run the flow written for version 2, the first through the
// source's upcast — the run's input is the upcast event; a version without schema is refused with
// 422 and shows in the issues inbox; a replay of a stored version 1 delivery is upcast again; a
// version in the URL works the same way; flows on "*" and
// "orders.*" run for the events they match. The run's input is read from its Temporal history.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { ROOT, type TestStack, startTestStack } from '../helpers/stack';
import { signPayments, uid } from '../helpers/events';
import { admin } from '../helpers/admin';
import { plainHistory } from '../helpers/plain-history';
import { waitFor } from '../helpers/wait-for';
import type { FlowRunInput } from '../../engine/contract';

const FIXTURE = join(ROOT, 'test/fixtures/versions');
let stack: TestStack;

before(async () => {
  stack = await startTestStack({ flowsDir: join(FIXTURE, 'flows'), sourcesDir: join(FIXTURE, 'sources'), schemasDir: join(FIXTURE, 'schemas'), env: { SHOP_SECRET: 'shop-secret' } });
});
after(async () => {
  await stack?.stop();
});

async function post(path: string, body: object, headers: Record<string, string> = {}) {
  const raw = JSON.stringify(body);
  const res = await fetch(`${stack.ingressUrl}/webhooks/${path}`, { method: 'POST', headers: { ...signPayments(raw, { secret: 'shop-secret' }), ...headers }, body: raw });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** The input the run was started with, from its history; after its result, so it has run. */
async function runInput(workflowId: string): Promise<FlowRunInput> {
  const handle = stack.client.workflow.getHandle(workflowId);
  await handle.result();
  const history = plainHistory(await handle.fetchHistory());
  const payload = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
  return defaultPayloadConverter.fromPayload<FlowRunInput>(payload as never);
}

const runOf = (res: { body: Record<string, any> }, flow: string): string => {
  const run = (res.body.runs as { flow: string; workflowId: string }[]).find((r) => r.flow === flow);
  assert.ok(run, `a run of ${flow} in ${JSON.stringify(res.body)}`);
  return run.workflowId;
};

test('a version 1 and a version 2 order.shipped both run the version 2 flow, the first upcast before it starts', async () => {
  const v1 = { id: uid('evt'), type: 'order.shipped', data: { order_id: 'ord_1', carrier: 'DHL', tracking: 'JD0001' } };
  const v2 = { id: uid('evt'), type: 'order.shipped', data: { order_id: 'ord_2', shipment: { carrier: { name: 'UPS' }, tracking_number: '1Z999' } } };
  // Version 1 as senders from before versions post it: no header, the source's default.
  const first = await post('shop', v1);
  const second = await post('shop', v2, { 'x-event-version': '2' });
  assert.equal(first.status, 202, JSON.stringify(first.body));
  assert.equal(second.status, 202, JSON.stringify(second.body));

  const upcast = await runInput(runOf(first, 'shipped-v2'));
  assert.equal(upcast.event.version, '2');
  assert.equal(upcast.event.upcastFrom, '1');
  assert.deepEqual(upcast.event.body, { id: v1.id, type: 'order.shipped', data: { order_id: 'ord_1', shipment: { carrier: { name: 'DHL' }, tracking_number: 'JD0001' } } });
  const asSent = await runInput(runOf(second, 'shipped-v2'));
  assert.equal(asSent.event.version, '2');
  assert.equal(asSent.event.upcastFrom, undefined);
  assert.deepEqual(asSent.event.body, v2);
  // The flow on "*" gets the event as sent.
  const every = await runInput(runOf(first, 'every-shop-event'));
  assert.deepEqual([every.event.version, every.event.body], ['1', v1]);

  // A replay rebuilds the event from its stored delivery, version included, and upcasts it the same way.
  const replay = await admin(stack.adminUrl, 'POST', `/admin/deliveries/${first.body.deliveryId}/replay`, { body: { flow: 'shipped-v2' } });
  assert.equal(replay.status, 202, JSON.stringify(replay.body));
  const replayed = await runInput(replay.body.runs[0].workflowId);
  assert.deepEqual([replayed.event.version, replayed.event.upcastFrom, replayed.event.body], ['2', '1', upcast.event.body]);

  const written = await stack.db.collection('shipped').find({ _id: { $in: [v1.id, v2.id] } as never }).sort({ carrier: 1 }).toArray();
  assert.deepEqual(written.map((d) => [d.carrier, d.tracking, d.version]), [['DHL', 'JD0001', '2'], ['UPS', '1Z999', '2']]);
});

test('a replay whose upcast now fails is refused with 422 upcast_failed, in the admin API\'s error shape, and starts nothing', async () => {
  const v1 = { id: uid('evt'), type: 'order.shipped', data: { order_id: 'ord_9', carrier: 'DHL', tracking: 'JD0009' } };
  const accepted = await post('shop', v1);
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  await runInput(runOf(accepted, 'shipped-v2'));
  // The source's upcast changed since (a reload of sources/shop.yaml): it now throws on this event.
  const flows = stack.definitions.flows;
  const i = flows.findIndex((f) => f.name === 'shipped-v2');
  const original = flows[i];
  const chain = original.trigger.versions!['order.shipped'].upcast['1'];
  flows[i] = { ...original, trigger: { ...original.trigger, versions: { 'order.shipped': { ...original.trigger.versions!['order.shipped'], upcast: { '1': [{ ...chain[0], expression: '$error("order ids moved")' }] } } } } };
  try {
    const replay = await admin(stack.adminUrl, 'POST', `/admin/deliveries/${accepted.body.deliveryId}/replay`, { body: { flow: 'shipped-v2' } });
    assert.equal(replay.status, 422, JSON.stringify(replay.body));
    assert.equal(replay.body.error.code, 'upcast_failed');
    assert.match(replay.body.error.message, new RegExp(`delivery ${accepted.body.deliveryId} cannot be replayed: upcast of order\\.shipped from version 1 to 2 failed: .*order ids moved`, 's'));
    const record = await stack.deliveries.collection.findOne({ _id: accepted.body.deliveryId });
    assert.equal(record?.replays, undefined, 'no replay recorded');
  } finally {
    flows[i] = original;
  }
});

test('a version without schema gets 422 unknown_event_version and is grouped in the issues inbox', async () => {
  const event = { id: uid('evt'), type: 'order.shipped', data: { order_id: 'ord_3' } };
  const res = await post('shop', event, { 'x-event-version': '3' });
  assert.equal(res.status, 422, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'unknown_event_version');
  assert.match(res.body.error.message, /version "3", which has no schema; known versions: 1, 2/);
  const issue = await waitFor('the unknown version in the issues inbox', async () => {
    const list = await admin(stack.adminUrl, 'GET', '/admin/issues?kind=rejection');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    return list.body.issues.find((i: { key: { source: string; reason: string } }) => i.key.source === 'shop' && i.key.reason === 'unknown_event_version');
  });
  assert.equal(issue.count, 1);
  assert.match(issue.sample.message, /version "3"/);
});

test('a version in the URL: /webhooks/carrier/v2 as sent, /webhooks/carrier (v1) upcast, /webhooks/carrier/v9 refused', async () => {
  const old = { id: uid('p'), type: 'parcel.delivered', delivered_at: '2026-12-01T10:00:00Z' };
  const current = { id: uid('p'), type: 'parcel.delivered', delivered: { at: '2026-12-02T10:00:00Z' } };
  const upcast = await post('carrier', old);
  const asSent = await post('carrier/v2', current);
  assert.equal(upcast.status, 202, JSON.stringify(upcast.body));
  assert.equal(asSent.status, 202, JSON.stringify(asSent.body));
  const input = await runInput(runOf(upcast, 'delivered-v2'));
  assert.deepEqual([input.event.version, input.event.upcastFrom, (input.event.body as { delivered: unknown }).delivered], ['v2', 'v1', { at: '2026-12-01T10:00:00Z' }]);
  assert.deepEqual((await runInput(runOf(asSent, 'delivered-v2'))).event.body, current);
  const unknown = await post('carrier/v9', { ...current, id: uid('p') });
  assert.equal(unknown.status, 422);
  assert.equal(unknown.body.error.code, 'unknown_event_version');
  // A version segment where the source reads no versions from the URL is no route.
  assert.equal((await post('shop/v2', { ...current, id: uid('p') })).status, 404);
});

test('flows on "*" and "orders.*" run for the events they match', async () => {
  const created = await post('shop', { id: uid('evt'), type: 'orders.created', total: 42 });
  assert.equal(created.status, 202, JSON.stringify(created.body));
  assert.deepEqual(created.body.runs.map((r: { flow: string }) => r.flow).sort(), ['every-shop-event', 'shop-orders']);
  const orders = await runInput(runOf(created, 'shop-orders'));
  assert.equal(orders.event.type, 'orders.created');
  const customer = await post('shop', { id: uid('evt'), type: 'customer.created' });
  assert.equal(customer.status, 202, JSON.stringify(customer.body));
  assert.deepEqual(customer.body.runs.map((r: { flow: string }) => r.flow), ['every-shop-event']);
  await runInput(runOf(customer, 'every-shop-event'));
  const seen = await stack.db.collection<{ _id: string; total?: number }>('seen').find({}).toArray();
  const ids = new Set(seen.map((d) => d._id));
  assert.ok(ids.has(`orders:${created.body.eventId}`) && ids.has(`every:${created.body.eventId}`) && ids.has(`every:${customer.body.eventId}`), JSON.stringify(seen));
  assert.equal(seen.find((d) => d._id === `orders:${created.body.eventId}`)?.total, 42);
});
