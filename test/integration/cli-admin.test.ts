// The hookflow CLI against a running stack, spawned as an operator runs it (bin/hookflow):
// send → deliveries list → show → replay, bulk replay with dry run and Ctrl-C, and its errors.
// Children are spawned asynchronously: the ingress they talk to runs in this process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, TEST_ADMIN_TOKEN, TEST_SECRET, startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { REPLAY_STOPS_COLLECTION } from '../../server/admin/bulk-replay';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ replayConcurrency: 1 });
  // What the fixture's payment.succeeded updates (the shipped flow fails on a missing order).
  await stack.db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: 'ord_1001', status: 'new' });
  await stack.db.collection<{ _id: string; stock: number }>('inventory').insertMany([{ _id: 'SKU-TSHIRT', stock: 1000 }, { _id: 'SKU-MUG', stock: 1000 }]);
});
after(async () => { await stack?.stop(); });

interface Result { code: number | null; out: string; err: string }

function hookflow(args: string[], opts: { env?: NodeJS.ProcessEnv; onSpawn?: (child: ChildProcess) => void } = {}): Promise<Result> {
  const child = spawn(join(ROOT, 'bin/hookflow'), args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', HOOKFLOW_URL: stack.ingressUrl, HOOKFLOW_ADMIN_URL: stack.adminUrl, HOOKFLOW_ADMIN_TOKEN: TEST_ADMIN_TOKEN, PAYMENTS_WEBHOOK_SECRET: TEST_SECRET, ...opts.env },
  });
  const result = { out: '', err: '' };
  child.stdout.on('data', (c) => { result.out += c; });
  child.stderr.on('data', (c) => { result.err += c; });
  opts.onSpawn?.(child);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, ...result })));
}

const FIXTURE = 'test/fixtures/events/payment.succeeded.json';

/** Sends the fixture with a fresh id and waits for its run; returns the event and delivery ids. */
async function sendOne(): Promise<{ eventId: string; deliveryId: string; workflowId: string }> {
  const sent = await hookflow(['send', 'payments', FIXTURE, '--new-id']);
  assert.equal(sent.code, 0, sent.err);
  assert.match(sent.out, /^202 Accepted/);
  const answer = JSON.parse(sent.out.slice(sent.out.indexOf('{')));
  await stack.client.workflow.getHandle(answer.runs[0].workflowId).result();
  return { eventId: answer.eventId, deliveryId: answer.deliveryId, workflowId: answer.runs[0].workflowId };
}

test('what happened to event X: send, find it by event id, show its run and UI link, replay it', async () => {
  const { eventId, deliveryId, workflowId } = await sendOne();
  assert.equal(workflowId, `payment-succeeded:payments:${eventId}`);

  const list = await hookflow(['deliveries', 'list', '--event-id', eventId]);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^received \(UTC\)\s+source\s+type\s+event id\s+outcome/);
  assert.match(list.out, new RegExp(`payments\\s+payment\\.succeeded\\s+${eventId}\\s+accepted 202\\s+payment-succeeded\\s+${deliveryId}`));

  const show = await hookflow(['deliveries', 'show', deliveryId]);
  assert.equal(show.code, 0, show.err);
  assert.match(show.out, new RegExp(`run {2}COMPLETED {2}payment-succeeded {2}${workflowId}`));
  assert.ok(show.out.includes(`${stack.temporalUiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/`), show.out);

  const replay = await hookflow(['replay', deliveryId]);
  assert.equal(replay.code, 0, replay.err);
  assert.equal(replay.out.trim(), `started ${workflowId}:replay:1 [payment-succeeded], replay of ${workflowId}`);
  await stack.client.workflow.getHandle(`${workflowId}:replay:1`).result();
  const after = await hookflow(['deliveries', 'show', deliveryId, '--json']);
  assert.deepEqual(JSON.parse(after.out).runs.map((r: Record<string, string>) => r.status), ['COMPLETED', 'COMPLETED']);
});

test('bulk replay: dry run counts, a real one shows progress and finishes', async () => {
  const since = new Date().toISOString();
  const sent = [await sendOne(), await sendOne()];
  const dry = await hookflow(['replay', '--flow', 'payment-succeeded', '--since', since, '--dry-run']);
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /^dry run: 2 deliveries would be replayed/);
  for (const s of sent) assert.ok(dry.out.includes(s.deliveryId));

  const real = await hookflow(['replay', '--flow', 'payment-succeeded', '--since', since]);
  assert.equal(real.code, 0, real.err);
  assert.match(real.out, /replay job \S+: 2 deliveries/);
  assert.match(real.out, /job finished: 2 replayed, 0 failed, 0 not reached/);
  assert.match(real.err, /2\/2 replayed, 0 failed/);
});

test('bulk replay: Ctrl-C stops the job; exit 1 says what was not reached', async () => {
  const since = new Date().toISOString();
  for (let i = 0; i < 3; i++) await sendOne();
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  stack.faults.beforeReplayStart = () => gate;
  try {
    let child!: ChildProcess;
    const running = hookflow(['replay', '--source', 'payments', '--since', since], { onSpawn: (c) => { child = c; } });
    let out = '';
    child.stdout!.on('data', (c) => { out += c; });
    await waitFor('the CLI to print its replay job', async () => out.includes('replay job'));
    child.kill('SIGINT');
    // The CLI asks the ingress to stop the job; only then may the held replay go on.
    await waitFor('the stop request to be stored', async () => (await stack.db.collection(REPLAY_STOPS_COLLECTION).countDocuments()) > 0);
    release();
    const result = await running;
    assert.equal(result.code, 1, result.err);
    assert.match(result.err, /stopping: the deliveries in progress finish first/);
    assert.match(result.out, /job stopped: 1 replayed, 0 failed, 2 not reached/);
  } finally {
    stack.faults.beforeReplayStart = undefined;
    release();
  }
});

test('errors: a wrong signing secret, a wrong admin token, an unknown delivery, bad usage', async () => {
  const badSig = await hookflow(['send', 'payments', FIXTURE, '--new-id', '--secret', 'not-the-secret']);
  assert.equal(badSig.code, 1);
  assert.match(badSig.err, /^401 Unauthorized[\s\S]*signature_invalid/);
  const rejections = await hookflow(['deliveries', 'rejections']);
  assert.match(rejections.out, /1\s+payments\s+signature_invalid/);

  const wrongToken = await hookflow(['deliveries', 'list'], { env: { HOOKFLOW_ADMIN_TOKEN: 'wrong-token-wrong-token' } });
  assert.equal(wrongToken.code, 1);
  assert.match(wrongToken.err, /hookflow: 401 admin_unauthorized: the admin token is not valid/);
  const unknown = await hookflow(['deliveries', 'show', 'payments:nope']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /404 delivery_not_found/);
  const usage = await hookflow(['deliveries', 'lsit']);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /usage: hookflow deliveries list/);
  assert.equal((await hookflow(['replay'])).code, 2);
  const help = await hookflow(['replay', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /--dry-run tells how many would be replayed/);
});
