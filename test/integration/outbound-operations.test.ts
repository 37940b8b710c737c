// Operating outbound webhooks on the real stack (test/fixtures/outbound): the outbound collections
// have the indexes the CLI, console and retry-failed queries use, created at start-up; a destination
// the breaker disabled, and one an operator paused, are each one entry of the issues inbox (admin
// API, `hookflow issues`, the console), beside the rejection groups, saying what to do, and
// resolved once resumed; the destination state gauge reads the store, so it shows an operator's
// pause and resume that no worker has seen.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ADMIN_TOKEN, type TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { admin } from '../helpers/admin';
import { type OutboundFixture, OUTBOUND_EXAMPLE, startOutboundExample } from '../helpers/outbound-fixture';
import { hookflowAdmin } from '../helpers/spawn-file';
import { waitFor } from '../helpers/wait-for';
import { outboundCollections } from '../../activities/outbound-store';
import { destinationStatesReader } from '../../activities/destination-states';
import { createWorkerMetrics } from '../../lib/metrics';

const NAMES = OUTBOUND_EXAMPLE.names;
let fixture: OutboundFixture<(typeof NAMES)[number]>;
let stack: TestStack;
let receivers: typeof fixture.receivers;

before(async () => {
  fixture = await startOutboundExample();
  ({ stack, receivers } = fixture);
});
after(async () => {
  await fixture?.stop();
});

const hookflow = (args: string[]) => hookflowAdmin(stack.adminUrl, args);

/** A console session's cookie, signed in with the admin token as a person does. */
async function consoleCookie(): Promise<string> {
  const res = await fetch(`${stack.adminUrl}/console/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: stack.adminUrl },
    body: new URLSearchParams({ token: TEST_ADMIN_TOKEN }).toString(),
  });
  assert.equal(res.status, 303, await res.text());
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

interface IssueJson { id: string; kind: string; key: Record<string, string>; title: string; count: number; status: string; sample: { message: string }; todo?: string[] }
const destinationIssue = async (name: string): Promise<IssueJson | undefined> => {
  const res = await admin(stack.adminUrl, 'GET', '/admin/issues?kind=destination');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body.issues as IssueJson[]).find((i) => i.key.destination === name);
};

test('the outbound collections have the indexes of the CLI, console and retry-failed queries, created at start-up', async () => {
  const indexes = async (collection: string) => Object.fromEntries((await stack.db.collection(collection).listIndexes().toArray()).map((i) => [i.name, i.key]));
  assert.deepEqual(await indexes('hookflow_outbound'), {
    _id_: { _id: 1 },
    destination_status_updatedAt: { destination: 1, status: 1, updatedAt: -1 },
    status_updatedAt: { status: 1, updatedAt: -1 },
    updatedAt: { updatedAt: -1 },
  });
  assert.deepEqual(await indexes('hookflow_outbound_attempts'), { _id_: { _id: 1 }, delivery_at: { delivery: 1, at: 1 }, destination_at: { destination: 1, at: -1 } });
  assert.deepEqual(await indexes('hookflow_outbound_events'), { _id_: { _id: 1 }, destination_at: { destination: 1, at: -1 }, kind_at: { kind: 1, at: -1 } });
  assert.deepEqual(await indexes('hookflow_outbound_leases'), { _id_: { _id: 1 }, destination: { destination: 1 } });
  assert.deepEqual(await indexes('hookflow_outbound_window'), { _id_: { _id: 1 }, destination_start: { destination: 1, start: 1 } });
});

test('a disabled and a paused destination are one issue each, beside the rejections, saying what to do; resumed, they read resolved', async () => {
  const c = outboundCollections(stack.db);
  // flaky answers 500: retried, paused, then disabled by its breaker (the worker writes the events).
  const event = paymentSucceeded({ orderId: uid('outbound-ops-'), items: [{ sku: 'S', quantity: 1 }] });
  assert.equal((await postEvent(stack.ingressUrl, event)).status, 202);
  const published = (await stack.client.workflow.getHandle(`publish-order-paid:payments:${event.id}`).result()).steps.publish.output as { messageId: string };
  await waitFor('the flaky delivery to fail', async () => (await c.deliveries.findOne({ _id: `flaky:${published.messageId}` }))?.status === 'failed');
  // An operator pauses beta; a request with a bad signature makes a rejection group.
  assert.equal((await hookflow(['destinations', 'pause', 'beta'])).code, 0);
  assert.equal((await postEvent(stack.ingressUrl, paymentSucceeded({ orderId: uid('bad-'), items: [{ sku: 'S', quantity: 1 }] }), { secret: 'not-the-secret' })).status, 401);

  const all = await waitFor('the rejection and both destinations in the inbox', async () => {
    const res = await admin(stack.adminUrl, 'GET', '/admin/issues');
    const issues = res.body.issues as IssueJson[];
    return issues.some((i) => i.kind === 'rejection') && issues.filter((i) => i.kind === 'destination').length === 2 && issues;
  });
  const flaky = all.find((i) => i.key.destination === 'flaky')!;
  assert.equal(flaky.title, 'outbound destination flaky paused or disabled');
  assert.equal(flaky.count, 2, 'paused by its breaker, then disabled: one issue, two occurrences');
  assert.equal(flaky.status, 'open');
  assert.match(flaky.sample.message, /^disabled: paused since .* without a successful probe/);
  assert.deepEqual(flaky.todo?.map((t) => t.split(':')[0]), ['resume it once its receiver answers again', 'retry its 1 failed deliveries after resuming it']);
  assert.match(flaky.todo![1], /hookflow outbound retry --destination flaky/);
  const beta = all.find((i) => i.key.destination === 'beta')!;
  assert.equal(beta.count, 1);
  assert.match(beta.sample.message, /^paused: paused by an operator/);
  assert.deepEqual(beta.todo?.map((t) => t.split(':')[0]), ['resume it once its receiver answers again']);
  // Shown with its own page, and not replayable (it is resumed and retried instead).
  const shown = await admin(stack.adminUrl, 'GET', `/admin/issues/${flaky.id}`);
  assert.equal(shown.status, 200);
  assert.deepEqual(shown.body.todo, flaky.todo);
  const replay = await admin(stack.adminUrl, 'POST', `/admin/issues/${flaky.id}/replay`, { body: {} });
  assert.equal(replay.status, 409);
  assert.match(replay.body.error.message, /resume it, then retry its failed deliveries/);

  // The CLI lists them with what to do; the console shows them with the buttons that do it.
  const listed = await hookflow(['issues', 'list', '--kind', 'destination']);
  assert.equal(listed.code, 0, listed.err);
  assert.match(listed.out, new RegExp(`${flaky.id}\\s+open\\s+2\\s.*outbound destination flaky paused or disabled`));
  assert.match(listed.out, new RegExp(`to do:\\n(.*\\n)*\\s+${flaky.id}\\s+retry its 1 failed deliveries`));
  const cookie = await consoleCookie();
  const page = await (await fetch(`${stack.adminUrl}/console/issues`, { headers: { cookie } })).text();
  assert.match(page, /outbound destination flaky paused or disabled/);
  assert.match(page, /outbound destination beta paused or disabled/);
  assert.match(page, /rejected: /);
  const issuePage = await (await fetch(`${stack.adminUrl}/console/issues/${flaky.id}`, { headers: { cookie } })).text();
  assert.match(issuePage, /action="\/console\/destinations\/flaky\/resume"/);
  assert.match(issuePage, /action="\/console\/destinations\/flaky\/retry-failed"/);

  // Resumed (and its failed delivery retried): resolved, with nothing left to do.
  receivers.flaky.answer(200);
  assert.equal((await hookflow(['destinations', 'resume', 'flaky'])).code, 0);
  assert.equal((await hookflow(['outbound', 'retry', '--destination', 'flaky'])).code, 0);
  await waitFor('the retried delivery delivered', async () => (await c.deliveries.findOne({ _id: `flaky:${published.messageId}` }))?.status === 'delivered');
  const resolved = await destinationIssue('flaky');
  assert.equal(resolved?.status, 'resolved');
  assert.deepEqual(resolved?.todo, []);
  assert.equal((await destinationIssue('beta'))?.status, 'open');
});

test('the destination state gauge reads the store: an operator\'s pause and resume show on a worker that saw neither', async () => {
  const metrics = createWorkerMetrics();
  metrics.outbound.watchStates(destinationStatesReader(stack.db, () => NAMES.filter((n) => n !== 'paced')));
  const scrape = async () => {
    const text = await metrics.registry.metrics();
    const value = (name: string, state: string) => Number(new RegExp(`^hookflow_outbound_destination_state\\{destination="${name}",state="${state}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    const age = (name: string) => Number(new RegExp(`^hookflow_outbound_destination_state_age_seconds\\{destination="${name}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    return { value, age };
  };
  // This worker once saw gamma paused (a stale sight); the store says active.
  metrics.outbound.state('gamma', 'paused');
  assert.equal((await hookflow(['destinations', 'pause', 'alpha'])).code, 0);
  const first = await scrape();
  assert.deepEqual([first.value('alpha', 'paused'), first.value('alpha', 'active')], [1, 0]);
  assert.deepEqual([first.value('gamma', 'active'), first.value('gamma', 'paused')], [1, 0]);
  assert.equal(first.age('alpha'), 0);
  assert.equal((await hookflow(['destinations', 'resume', 'alpha'])).code, 0);
  const second = await scrape();
  assert.deepEqual([second.value('alpha', 'active'), second.value('alpha', 'paused')], [1, 0]);
});
