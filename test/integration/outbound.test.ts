// Outbound webhooks on the real stack (HTTP in, Temporal, the worker's deliveries out to loopback
// receivers): one published event reaches every subscribed destination, each verifying the
// Standard Webhooks signature with the `standardwebhooks` library; a destination answering 500 is
// retried, paused, then disabled with an operator event, while the others got theirs at once.
// Flows and destinations in test/fixtures/outbound; schedules there are short (milliseconds).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import type { TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { startOutboundExample } from '../helpers/outbound-fixture';
import { hookflowAdmin } from '../helpers/spawn-file';
import { waitFor } from '../helpers/wait-for';
import { outboundCollections } from '../../activities/outbound-store';

let fixture: Awaited<ReturnType<typeof startOutboundExample>>;
let stack: TestStack;
let receivers: typeof fixture.receivers;
let secrets: typeof fixture.secrets;

before(async () => {
  fixture = await startOutboundExample();
  ({ stack, receivers, secrets } = fixture);
});
after(async () => {
  await fixture?.stop();
});

const hookflow = (args: string[]) => hookflowAdmin(stack.adminUrl, args);

/** Posts an order's payment and returns what its publish step reported. */
async function publish(): Promise<{ messageId: string; deliveries: number; destinations: string[]; orderId: string; amount: unknown }> {
  const orderId = uid('outbound-');
  const event = paymentSucceeded({ orderId, items: [{ sku: 'S', quantity: 1 }] });
  assert.equal((await postEvent(stack.ingressUrl, event)).status, 202);
  const run = await stack.client.workflow.getHandle(`publish-order-paid:payments:${event.id}`).result();
  return { ...(run.steps.publish.output as { messageId: string; deliveries: number; destinations: string[] }), orderId, amount: event.data.amount };
}

/** Verifies like a receiver would, with the standardwebhooks library; throws when the signature is not good. */
function verified(secret: string, req: { headers: Record<string, unknown>; body: string }): { type: string; timestamp: string; version?: string; data: Record<string, unknown> } {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
  return new Webhook(secret).verify(req.body, headers) as never;
}

test('one published event reaches every subscribed destination once, signed; a destination answering 500 is retried, paused and disabled while the others are served', async () => {
  const published = await publish();
  // invoices subscribes to invoice.* only: four destinations, not five.
  assert.deepEqual([...published.destinations].sort(), ['alpha', 'beta', 'flaky', 'gamma']);
  assert.equal(published.deliveries, 4);

  const c = outboundCollections(stack.db);
  for (const name of ['alpha', 'beta', 'gamma'] as const) {
    const record = await waitFor(`${name}'s delivery`, async () => {
      const r = await c.deliveries.findOne({ _id: `${name}:${published.messageId}` });
      return r?.status === 'delivered' && r;
    });
    assert.equal(record.attempts, 1, name);
    assert.equal(receivers[name].requests.length, 1, name);
  }
  // Each receiver verifies the signature with the standardwebhooks library.
  const alpha = receivers.alpha.requests[0];
  const body = verified(secrets.OUTBOUND_ALPHA_NEW, alpha);
  verified(secrets.OUTBOUND_ALPHA_OLD, alpha); // mid-rotation: a receiver still on the old secret accepts it too
  assert.throws(() => verified(secrets.OUTBOUND_BETA_KEY, alpha), /signature/i);
  assert.equal(body.type, 'order.paid');
  assert.equal(body.version, '2026-01-01');
  assert.deepEqual(body.data, { order_id: published.orderId, amount: published.amount });
  assert.equal(alpha.headers['webhook-id'], published.messageId);
  assert.equal(alpha.headers['webhook-version'], '2026-01-01');
  assert.equal(alpha.headers['x-team'], 'alpha');
  assert.equal(verified(secrets.OUTBOUND_BETA_KEY, receivers.beta.requests[0]).type, 'order.paid');
  assert.equal(verified(secrets.OUTBOUND_GAMMA_KEY, receivers.gamma.requests[0]).type, 'order.paid');
  assert.equal(receivers.beta.requests[0].headers['webhook-version'], undefined, 'beta asks for no version header');

  // flaky: retried with the same message id, paused after 3 failures in a row, probed, then disabled.
  const failed = await waitFor('the flaky delivery to fail', async () => {
    const r = await c.deliveries.findOne({ _id: `flaky:${published.messageId}` });
    return r?.status === 'failed' && r;
  });
  assert.match(failed.reason ?? '', /destination disabled/);
  assert.ok(failed.attempts >= 4, `3 failures pause it, probes follow: ${failed.attempts}`);
  assert.equal(receivers.flaky.requests.length, failed.attempts);
  assert.ok(receivers.flaky.requests.every((r) => r.headers['webhook-id'] === published.messageId));
  for (const r of receivers.flaky.requests) verified(secrets.OUTBOUND_FLAKY_KEY, r);
  const events = await c.events.find({ destination: 'flaky' }).sort({ at: 1 }).toArray();
  assert.deepEqual(events.map((e) => e.kind), ['paused', 'disabled']);
  assert.equal((await c.states.findOne({ _id: 'flaky' }))?.state, 'disabled');
  // The healthy destinations were served once each, before and regardless of flaky's retries.
  for (const name of ['alpha', 'beta', 'gamma'] as const) assert.equal(receivers[name].requests.length, 1, name);
  assert.equal((await c.states.findOne({ _id: 'alpha' }))?.state, 'active');
});

test('a disabled destination fails new deliveries at once; resumed from the CLI, its failed deliveries are retried from the CLI and delivered', async () => {
  const c = outboundCollections(stack.db);
  assert.equal((await c.states.findOne({ _id: 'flaky' }))?.state, 'disabled', 'the previous test disabled it');
  const second = await publish();
  const refused = await waitFor('the delivery to the disabled destination to fail', async () => {
    const r = await c.deliveries.findOne({ _id: `flaky:${second.messageId}` });
    return r?.status === 'failed' && r;
  });
  assert.equal(refused.attempts, 0, 'nothing is sent to a disabled destination');
  assert.match(refused.reason ?? '', /destination disabled/);

  const listed = await hookflow(['outbound', 'list', '--destination', 'flaky', '--status', 'failed', '--json']);
  assert.equal(listed.code, 0, listed.err);
  assert.equal((JSON.parse(listed.out) as { deliveries: unknown[] }).deliveries.length, 2);
  const shown = await hookflow(['destinations', 'show', 'flaky']);
  assert.match(shown.out, /flaky \[disabled\]/);

  receivers.flaky.answer(200);
  const before = receivers.flaky.requests.length;
  const resumed = await hookflow(['destinations', 'resume', 'flaky']);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.out, /flaky \[active\]/);
  const dry = await hookflow(['outbound', 'retry', '--destination', 'flaky', '--dry-run']);
  assert.match(dry.out, /^2 failed deliveries would be retried/);
  const retried = await hookflow(['outbound', 'retry', '--destination', 'flaky']);
  assert.equal(retried.code, 0, retried.err);
  assert.match(retried.out, /retrying 2 failed deliveries/);
  const messages = await waitFor('both retried deliveries delivered', async () => {
    const done = await c.deliveries.find({ destination: 'flaky', status: 'delivered' }).toArray();
    return done.length === 2 && done.map((r) => r.message.id).sort();
  });
  // Each arrived once more, with its original webhook-id, verified.
  const arrived = receivers.flaky.requests.slice(before);
  assert.deepEqual(arrived.map((r) => String(r.headers['webhook-id'])).sort(), messages);
  for (const r of arrived) verified(secrets.OUTBOUND_FLAKY_KEY, r);
  const events = await c.events.find({ destination: 'flaky' }).sort({ at: 1 }).toArray();
  assert.deepEqual(events.map((e) => e.kind), ['paused', 'disabled', 'resumed']);
});

test('a rate-limited destination gets its deliveries one turn at a time: five published at once take four intervals at least', async () => {
  const items = ['A', 'B', 'C', 'D', 'E'].map((sku) => ({ sku, quantity: 1 }));
  const event = paymentSucceeded({ orderId: uid('paced-'), items });
  const posted = Date.now();
  assert.equal((await postEvent(stack.ingressUrl, event)).status, 202);
  await stack.client.workflow.getHandle(`publish-items:payments:${event.id}`).result();
  const c = outboundCollections(stack.db);
  await waitFor('five paced deliveries delivered', async () => (await c.deliveries.countDocuments({ destination: 'paced', status: 'delivered' })) === 5);
  assert.deepEqual(receivers.paced.requests.map((r) => verified(secrets.OUTBOUND_GAMMA_KEY, r).data.sku).sort(), ['A', 'B', 'C', 'D', 'E']);
  // Each attempt claimed its own turn (250 ms apart at 4/s), and none arrived before its turn.
  const slots = (await stack.db.collection<{ _id: string; at: Date }>('hookflow_http_host_slots').find({ _id: { $regex: '^destination:paced\\|' } }).toArray()).map((s) => s.at.getTime()).sort((a, b) => a - b);
  assert.equal(slots.length, 5);
  for (let i = 1; i < 5; i++) assert.ok(slots[i] - slots[i - 1] >= 250, `turns ${slots.join(', ')}`);
  const arrivals = receivers.paced.requests.map((r) => r.at).sort((a, b) => a - b);
  arrivals.forEach((at, i) => assert.ok(at >= slots[i], `arrival ${i} at ${at}, its turn ${slots[i]}`));
  assert.ok(arrivals[4] - posted >= 1000, 'five turns at 4/s span a second');
});
