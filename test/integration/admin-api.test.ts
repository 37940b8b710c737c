// The admin API on the real stack: auth, filters and paging, one delivery with its runs' status
// in Temporal and UI links, rejections with their reasons, replay of one delivery, and bulk
// replay (dry run, real, stop). Two flows answer payment.succeeded: tell-ledger (fails while the
// fake ledger refuses the order) and note-payment (always completes).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import type { TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { type AdminStack, startAdminStack, stopAdminStack } from '../helpers/admin-stack';
import { admin } from '../helpers/admin';
import { waitFor } from '../helpers/wait-for';
import { createAdminApp } from '../../server/admin/app';
import { createAdminApi } from '../../server/admin';
import type { DeliveryRecord } from '../../server/deliveries/record';

let stack: TestStack;
let adminStack: AdminStack | undefined;
/** Orders the ledger refuses (400: the run fails at once), until a test "fixes" it. */
const refused = new Set<string>();

before(async () => {
  adminStack = await startAdminStack(refused);
  stack = adminStack.stack;
});
after(async () => {
  await stopAdminStack(adminStack);
});

const api = (method: 'GET' | 'POST', path: string, body?: unknown) => admin(stack.adminUrl, method, path, { body });

/** Posts a payment for a fresh order; `fail` makes its tell-ledger run fail. Waits until both runs closed. */
async function pay(opts: { fail?: boolean; eventId?: string } = {}) {
  const orderId = uid('ord');
  if (opts.fail) refused.add(orderId);
  const event = paymentSucceeded({ orderId, eventId: opts.eventId, items: [{ sku: 'SKU-A', quantity: 1 }] });
  const res = await postEvent(stack.ingressUrl, event);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  for (const run of res.body.runs as { workflowId: string }[]) await stack.client.workflow.getHandle(run.workflowId).result().catch(() => undefined);
  return { orderId, eventId: event.id, deliveryId: res.body.deliveryId as string, runs: res.body.runs as { flow: string; workflowId: string; runId: string }[] };
}

const statusOf = async (workflowId: string) => (await stack.client.workflow.getHandle(workflowId).describe()).status.name;

describe('auth', () => {
  test('no token or a wrong one is 401; the answer says what to send', async () => {
    const none = await admin(stack.adminUrl, 'GET', '/admin/deliveries', { token: null });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'admin_unauthorized');
    assert.match(none.body.error.message, /Authorization: Bearer/);
    const wrong = await admin(stack.adminUrl, 'GET', '/admin/deliveries', { token: 'not-the-token-at-all' });
    assert.equal(wrong.status, 401);
    assert.equal((await admin(stack.adminUrl, 'POST', '/admin/replays', { token: 'nope', body: { flow: 'tell-ledger', dryRun: true } })).status, 401);
  });

  test('without a configured token the admin API is disabled and says how to enable it', async () => {
    const disabled = createAdminApi({
      db: stack.db, deliveries: stack.deliveries.collection, client: stack.client, flows: () => stack.definitions.flows, startRuns: async () => [], log: pino({ level: 'silent' }),
      settings: { token: undefined, temporalUiUrl: stack.temporalUiUrl, namespace: 'default', replayConcurrency: 1 },
    });
    const app = createAdminApp({ log: pino({ level: 'silent' }), admin: disabled.router });
    const server: Server = await new Promise((r) => { const s = app.listen(0, '127.0.0.1', () => r(s)); });
    try {
      const res = await admin(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'GET', '/admin/deliveries');
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'admin_disabled');
      assert.match(res.body.error.message, /HOOKFLOW_ADMIN_TOKEN/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('finding deliveries', () => {
  test('filters by event id, source, type, outcome, flow and time; pages with a cursor; refuses unknown parameters', async () => {
    const since = new Date().toISOString();
    const paid = [await pay(), await pay(), await pay()];
    const dup = await postEvent(stack.ingressUrl, paymentSucceeded({ orderId: paid[0].orderId, eventId: paid[0].eventId, items: [{ sku: 'SKU-A', quantity: 1 }] }));
    assert.equal(dup.body.status, 'duplicate');
    const until = new Date().toISOString();

    const byEvent = await api('GET', `/admin/deliveries?eventId=${paid[0].eventId}`);
    assert.equal(byEvent.status, 200);
    assert.deepEqual(byEvent.body.items.map((d: DeliveryRecord) => d.outcome).sort(), ['accepted', 'duplicate']);
    assert.ok(byEvent.body.items.every((d: Record<string, unknown>) => d.body === undefined), 'lists leave bodies out');

    const window = `since=${since}&until=${until}`;
    const accepted = await api('GET', `/admin/deliveries?source=payments&eventType=payment.succeeded&outcome=accepted&flow=tell-ledger&${window}`);
    assert.deepEqual(accepted.body.items.map((d: DeliveryRecord) => d._id), paid.map((p) => p.deliveryId).reverse(), 'newest first');
    assert.equal((await api('GET', `/admin/deliveries?flow=no-such-flow&${window}`)).body.items.length, 0);
    assert.equal((await api('GET', `/admin/deliveries?outcome=accepted&until=${since}&since=${since}`)).body.items.length, 0);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api('GET', `/admin/deliveries?${window}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(page.body.items.length <= 2);
      seen.push(...page.body.items.map((d: DeliveryRecord) => d._id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 4, 'three accepted and one duplicate, each once');
    assert.equal(new Set(seen).size, 4);

    const typo = await api('GET', '/admin/deliveries?sinse=09:00');
    assert.equal(typo.status, 400);
    assert.match(typo.body.error.message, /unknown parameter "sinse"/);
    assert.equal((await api('GET', '/admin/deliveries?limit=100000')).status, 400);
    assert.equal((await api('GET', '/admin/deliveries/nope')).status, 404);
  });

  test('one delivery: its outcome, each run with its current status in Temporal and a link to it in the UI', async () => {
    const failing = await pay({ fail: true });
    const res = await api('GET', `/admin/deliveries/${encodeURIComponent(failing.deliveryId)}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.outcome, 'accepted');
    assert.equal(res.body.eventId, failing.eventId);
    assert.equal(JSON.parse(res.body.body.text).data.order_id, failing.orderId, 'the stored body is shown');
    const byFlow = Object.fromEntries(res.body.runs.map((r: Record<string, string>) => [r.flow, r]));
    assert.equal(byFlow['tell-ledger'].status, 'FAILED');
    assert.equal(byFlow['note-payment'].status, 'COMPLETED');
    const run = failing.runs.find((r) => r.flow === 'tell-ledger')!;
    assert.equal(byFlow['tell-ledger'].link, `${stack.temporalUiUrl}/namespaces/default/workflows/${encodeURIComponent(run.workflowId)}/${run.runId}/history`);
  });

  test('rejected deliveries are listed with the reason, violations, and grouped by reason', async () => {
    const since = new Date().toISOString();
    const badSig = await postEvent(stack.ingressUrl, paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'A', quantity: 1 }] }), { secret: 'an-old-secret' });
    assert.equal(badSig.status, 401);
    const invalid = paymentSucceeded({ orderId: uid('ord'), items: [] });
    (invalid.data as Record<string, unknown>).currency = 'euro';
    assert.equal((await postEvent(stack.ingressUrl, invalid)).status, 422);
    assert.equal((await postEvent(stack.ingressUrl, invalid, { secret: 'an-old-secret' })).status, 401);

    const list = await api('GET', `/admin/deliveries?outcome=rejected&since=${since}`);
    const reasons = list.body.items.map((d: DeliveryRecord) => d.reason).sort();
    assert.deepEqual(reasons, ['schema_violation', 'signature_invalid', 'signature_invalid']);
    const schema = list.body.items.find((d: DeliveryRecord) => d.reason === 'schema_violation');
    assert.equal(schema.status, 422);
    assert.deepEqual(schema.violations.map((v: { path: string }) => v.path).sort(), ['/data/currency', '/data/items']);

    const groups = (await api('GET', `/admin/rejections?since=${since}`)).body.groups as Record<string, any>[];
    assert.deepEqual(groups.map((g) => [g.source, g.reason, g.count]).sort(), [['payments', 'schema_violation', 1], ['payments', 'signature_invalid', 2]]);
    assert.match(groups.find((g) => g.reason === 'signature_invalid')!.lastMessage, /signature does not match/);

    const refusedReplay = await api('POST', `/admin/deliveries/${schema._id}/replay`);
    assert.equal(refusedReplay.status, 409);
    assert.equal(refusedReplay.body.error.code, 'not_replayable');
    assert.match(refusedReplay.body.error.message, /was rejected \(schema_violation/);
  });
});

describe('replay', () => {
  test('one delivery: a new run of the current flow, linked to the original, completes once the cause is fixed', async () => {
    const failing = await pay({ fail: true });
    const original = failing.runs.find((r) => r.flow === 'tell-ledger')!.workflowId;
    assert.equal(await statusOf(original), 'FAILED');
    refused.delete(failing.orderId); // the ledger is fixed

    const res = await api('POST', `/admin/deliveries/${encodeURIComponent(failing.deliveryId)}/replay`, { flow: 'tell-ledger' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual(res.body.runs.map((r: Record<string, string>) => [r.flow, r.workflowId, r.replayOf]), [['tell-ledger', `${original}:replay:1`, original]]);
    const handle = stack.client.workflow.getHandle(`${original}:replay:1`);
    await handle.result();
    assert.equal((await handle.describe()).memo?.replayOf, original);

    const again = await api('POST', `/admin/deliveries/${encodeURIComponent(failing.deliveryId)}/replay`);
    assert.deepEqual(again.body.runs.map((r: Record<string, string>) => r.workflowId).sort(), failing.runs.map((r) => `${r.workflowId}:replay:2`).sort(), 'without a flow: every matching flow, numbered on');

    const shown = await api('GET', `/admin/deliveries/${encodeURIComponent(failing.deliveryId)}`);
    const replayRuns = shown.body.runs.filter((r: Record<string, string>) => r.replayOf);
    assert.equal(replayRuns.length, 3);
    assert.equal(replayRuns.find((r: Record<string, string>) => r.workflowId === `${original}:replay:1`).status, 'COMPLETED');
    assert.equal(shown.body.runs.find((r: Record<string, string>) => r.workflowId === original).status, 'FAILED', 'the original stays as it was');
  });

  test('bulk: dry run counts the failed runs of a flow since a time; the replay runs only those flows and shows progress', async () => {
    const since = new Date().toISOString();
    const failing = [await pay({ fail: true }), await pay({ fail: true }), await pay({ fail: true })];
    await pay(); // completed: not selected
    const filter = { flow: 'tell-ledger', status: 'failed', since };
    const ids = failing.map((f) => f.deliveryId).sort();
    const plan = await waitFor('the dry run to see the 3 failed runs', async () => {
      const p = await api('POST', '/admin/replays', { ...filter, dryRun: true });
      assert.equal(p.status, 200, JSON.stringify(p.body));
      if (process.env.DEBUG_ADMIN) console.log(JSON.stringify(p.body));
      return p.body.matched === 3 && p.body; // visibility lags behind the runs closing
    });
    assert.deepEqual([...plan.sample].sort(), ids);
    assert.equal((await api('POST', '/admin/replays', { flow: 'tell-ledger', sinse: '09:00', dryRun: true })).status, 400);
    assert.equal((await api('POST', '/admin/replays', {})).status, 400, 'a bulk replay needs a filter');

    for (const f of failing) refused.delete(f.orderId);
    const started = await api('POST', '/admin/replays', filter);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.total, 3);
    const job = await waitFor('the replay job to finish', async () => {
      const j = (await api('GET', `/admin/replays/${started.body._id}`)).body;
      return j.state !== 'running' && j;
    });
    assert.deepEqual([job.state, job.done, job.failed], ['finished', 3, 0]);
    for (const f of failing) {
      const record = (await stack.deliveries.collection.findOne({ _id: f.deliveryId }))!;
      assert.equal(record.replays?.length, 1);
      assert.equal(record.replays![0].jobId, job._id);
      assert.deepEqual(record.replays![0].runs.map((r) => r.flow), ['tell-ledger'], 'note-payment completed: not replayed');
      await stack.client.workflow.getHandle(record.replays![0].runs[0].workflowId).result();
    }
    const again = await api('POST', '/admin/replays', { ...filter, dryRun: true });
    assert.equal(again.body.matched, 0, 'failed runs replayed since are not selected again');
  });

  test('bulk: stop ends the job between deliveries; what was not reached is not replayed', async () => {
    const since = new Date().toISOString();
    const paid = [];
    for (let i = 0; i < 6; i++) paid.push(await pay());
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let held = 0;
    stack.faults.beforeReplayStart = () => { held++; return gate; };
    try {
      const started = await api('POST', '/admin/replays', { source: 'payments', since });
      assert.equal(started.body.total, 6);
      await waitFor('a replay to be held', async () => held > 0);
      const stopping = await api('POST', `/admin/replays/${started.body._id}/stop`);
      assert.equal(stopping.status, 200);
      assert.equal(stopping.body.stopRequested, true);
      release();
      const job = await waitFor('the stopped job to end', async () => {
        const j = (await api('GET', `/admin/replays/${started.body._id}`)).body;
        return j.state !== 'running' && j;
      });
      assert.equal(job.state, 'stopped');
      assert.ok(job.done >= 1 && job.done <= 2, `at most the concurrency (2) in flight finished, got ${job.done}`);
      const replayed = await stack.deliveries.collection.countDocuments({ 'replays.jobId': job._id });
      assert.equal(replayed, job.done);
    } finally {
      stack.faults.beforeReplayStart = undefined;
      release();
    }
  });
});
