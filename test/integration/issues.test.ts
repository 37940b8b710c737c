// Issues on the real stack: failing runs of one flow and step become one issue with their count;
// a resolved issue re-opens when the failure recurs; replaying an issue counts first, then runs a
// bulk replay job of exactly its events; rejections group by (source, reason) and are refused a
// replay; an issue whose events are gone says so; scans by two replicas count a run once. The CLI mirrors the API. Same fixture flows as
// admin-api.test.ts: tell-ledger fails while the fake ledger refuses the order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestStack } from '../helpers/stack';
import { hookflowAdmin } from '../helpers/spawn-file';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { type AdminStack, startAdminStack, stopAdminStack } from '../helpers/admin-stack';
import { admin } from '../helpers/admin';
import { waitFor } from '../helpers/wait-for';
import pino from 'pino';
import { failedRunScanner } from '../../server/admin/issues/scan';
import { issueCollections } from '../../server/admin/issues/store';

let stack: TestStack;
let adminStack: AdminStack | undefined;
const refused = new Set<string>();

before(async () => {
  adminStack = await startAdminStack(refused);
  stack = adminStack.stack;
});
after(async () => {
  await stopAdminStack(adminStack);
});

const api = (method: 'GET' | 'POST', path: string, body?: unknown) => admin(stack.adminUrl, method, path, { body });

/** A payment whose tell-ledger run fails; waits until its runs closed. */
async function failingPayment() {
  const orderId = uid('ord');
  refused.add(orderId);
  const res = await postEvent(stack.ingressUrl, paymentSucceeded({ orderId, items: [{ sku: 'SKU-A', quantity: 1 }] }));
  assert.equal(res.status, 202, JSON.stringify(res.body));
  for (const run of res.body.runs as { workflowId: string }[]) await stack.client.workflow.getHandle(run.workflowId).result().catch(() => undefined);
  return { orderId, deliveryId: res.body.deliveryId as string };
}

/** The run_failed issue of tell-ledger once it has `count` runs (visibility lags a little). */
const ledgerIssue = (count: number) => waitFor(`the tell-ledger issue to count ${count}`, async () => {
  const res = await api('GET', '/admin/issues?kind=run_failed');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const mine = res.body.issues.filter((i: { key: { flow: string } }) => i.key.flow === 'tell-ledger');
  assert.ok(mine.length <= 1, `one issue per flow, step and error type, got ${JSON.stringify(mine)}`);
  return mine[0]?.count === count ? mine[0] : undefined;
}, { attempts: 300, intervalMs: 200 });

const hookflow = (args: string[]) => hookflowAdmin(stack.adminUrl, args);

let issueId: string;
let failed: { orderId: string; deliveryId: string }[] = [];

test('three failing runs of one flow and step are one open issue with count 3, its deliveries and a sample', async () => {
  failed = [await failingPayment(), await failingPayment(), await failingPayment()];
  const issue = await ledgerIssue(3);
  issueId = issue.id;
  assert.equal(issue.kind, 'run_failed');
  assert.deepEqual(issue.key, { flow: 'tell-ledger', step: 'tell-ledger', activity: 'http.request', errorType: issue.key.errorType });
  assert.match(issue.key.errorType, /^HttpClientError$/);
  assert.equal(issue.status, 'open');
  assert.ok(new Date(issue.firstSeen) <= new Date(issue.lastSeen));
  assert.ok(failed.some((f) => f.deliveryId === issue.sample.deliveryId), 'the sample is one of the failed deliveries');
  assert.match(issue.sample.workflowId, /tell-ledger/);
  assert.match(issue.sample.message, /400/);

  const shown = await api('GET', `/admin/issues/${issueId}`);
  assert.equal(shown.status, 200);
  assert.equal(shown.body.count, 3);
  assert.deepEqual(shown.body.deliveries.map((d: { deliveryId: string }) => d.deliveryId).sort(), failed.map((f) => f.deliveryId).sort());
  assert.equal((await api('GET', '/admin/issues/run-0000000000000000')).status, 404);
  assert.equal((await api('GET', '/admin/issues?status=bogus')).status, 400);
});

test('two replicas scanning at once, after the stored runs and the scan mark were lost, count each failed run once', async () => {
  const store = issueCollections(stack.db);
  await store.scans.deleteMany({});
  await store.runs.deleteMany({});
  const scanner = () => failedRunScanner({ client: stack.client, store, log: pino({ level: 'silent' }), retentionSeconds: 3600 });
  const [a, b] = [scanner(), scanner()];
  await Promise.all([a.scan(), b.scan(), a.scan()]);
  assert.equal(await store.runs.countDocuments({ issueId }), 3);
  assert.equal((await ledgerIssue(3)).id, issueId);
});

test('resolve, then a new failure re-opens it; acknowledged stays acknowledged; the CLI lists and sets it', async () => {
  const resolved = await api('POST', `/admin/issues/${issueId}/status`, { status: 'resolved' });
  assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
  assert.equal(resolved.body.status, 'resolved');
  const listed = await api('GET', '/admin/issues?status=resolved&kind=run_failed');
  assert.deepEqual(listed.body.issues.map((i: { id: string }) => i.id), [issueId]);
  assert.equal((await api('GET', '/admin/issues?status=open&kind=run_failed')).body.issues.length, 0);

  failed.push(await failingPayment());
  const reopened = await ledgerIssue(4);
  assert.equal(reopened.status, 'open', 'a resolved issue re-opens when it recurs');

  const ack = await hookflow(['issues', 'ack', issueId]);
  assert.equal(ack.code, 0, ack.err);
  const list = await hookflow(['issues', 'list', '--status', 'acknowledged']);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, new RegExp(`${issueId}.*\\n?`));
  assert.match(list.out, /tell-ledger failed at step tell-ledger/);
  assert.equal((await api('GET', `/admin/issues/${issueId}`)).body.deliveries.length, 4);
});

test('replay from the issue: the dry run counts its events, the job replays exactly those, then nothing is left', async () => {
  const dry = await api('POST', `/admin/issues/${issueId}/replay`, { dryRun: true });
  assert.equal(dry.status, 200, JSON.stringify(dry.body));
  assert.deepEqual([dry.body.dryRun, dry.body.total], [true, 4]);
  const cliDry = await hookflow(['issues', 'replay', issueId, '--dry-run']);
  assert.equal(cliDry.code, 0, cliDry.err);
  assert.match(cliDry.out, /4 event/);

  for (const f of failed) refused.delete(f.orderId); // the ledger is fixed
  const started = await api('POST', `/admin/issues/${issueId}/replay`, {});
  assert.equal(started.status, 202, JSON.stringify(started.body));
  assert.equal(started.body.total, 4);
  const job = await waitFor('the issue replay to finish', async () => {
    const res = await api('GET', `/admin/replays/${started.body.id}`);
    return res.body.state === 'finished' ? res.body : undefined;
  }, { attempts: 300, intervalMs: 200 });
  assert.deepEqual([job.done, job.failed], [4, 0]);
  for (const f of failed) {
    const record = await stack.deliveries.collection.findOne({ _id: f.deliveryId });
    assert.deepEqual(record?.replays?.map((r) => [r.jobId, r.runs.map((x) => x.flow)]), [[started.body.id, ['tell-ledger']]], 'only the failed flow is replayed, once');
  }
  const again = await api('POST', `/admin/issues/${issueId}/replay`, { dryRun: true });
  assert.equal(again.body.total, 0, 'runs replayed since are not selected again');
});

test('an issue whose events are gone says so', async () => {
  await stack.deliveries.collection.deleteMany({ _id: { $in: failed.map((f) => f.deliveryId) } });
  const res = await api('POST', `/admin/issues/${issueId}/replay`, { dryRun: true });
  assert.equal(res.status, 409, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'issue_events_gone');
  assert.match(res.body.error.message, /gone/);
});

test('rejections group by source and reason; they cannot be replayed', async () => {
  const body = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU-A', quantity: 1 }] });
  for (let i = 0; i < 2; i++) assert.equal((await postEvent(stack.ingressUrl, body, { secret: 'wrong-secret' })).status, 401);
  const res = await api('GET', '/admin/issues?kind=rejection');
  const issue = res.body.issues.find((i: { key: { source: string } }) => i.key.source === 'payments');
  assert.ok(issue, JSON.stringify(res.body));
  assert.deepEqual([issue.count, issue.key.reason, issue.status], [2, 'signature_invalid', 'open']);
  const shown = await api('GET', `/admin/issues/${issue.id}`);
  assert.equal(shown.body.deliveries.length, 2);
  const replay = await api('POST', `/admin/issues/${issue.id}/replay`, { dryRun: true });
  assert.equal(replay.status, 409);
  assert.match(replay.body.error.message, /never ran/);
  assert.equal((await api('POST', `/admin/issues/${issue.id}/status`, { status: 'ignored' })).body.status, 'ignored');
  await postEvent(stack.ingressUrl, body, { secret: 'wrong-secret' });
  const still = await waitFor('the third rejection to be counted', async () => {
    const i = (await api('GET', `/admin/issues/${issue.id}`)).body;
    return i.count === 3 ? i : undefined;
  });
  assert.equal(still.status, 'ignored', 'an ignored issue stays ignored');
});
