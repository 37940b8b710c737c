// What an operator needs from the console, checked in headless Chromium on a real stack
// (Temporal dev server, FerretDB, SMTP catcher, the worker, the ingress with payloads encrypted):
// an event's timeline from receipt to the email's Message-ID (the same as text in
// `hookflow deliveries show --timeline`), each flow's controls and the flows that are off, the
// Health page's worker rows turning red on a stall, the source and outcome pickers, and the nav
// item lit on every page. Screenshots go to docs/images (docs/operations.md shows them).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { launchChromium, signInConsole } from '../helpers/browser';
import { ROOT, TEST_ADMIN_TOKEN, startTestStack, type TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { freePort } from '../../lib/net';
import { createWorkerMetrics, type WorkerMetrics } from '../../lib/metrics';
import { startOpsServer } from '../../worker/ops-server';
import { sdkLogger } from '../../worker/log-context';

const IMAGES = join(ROOT, 'docs/images');

let stack: TestStack;
let browser: Browser;
let ops: Server;
let metrics: WorkerMetrics;
let opsUrl: string;

before(async () => {
  mkdirSync(IMAGES, { recursive: true });
  const opsPort = await freePort();
  opsUrl = `http://127.0.0.1:${opsPort}`;
  stack = await startTestStack({ flowsDir: join(ROOT, 'test/fixtures/console/flows'), workerOpsUrls: [opsUrl] });
  // The worker's ops endpoint as worker/run-worker.ts serves it: its own metrics and the SDK's.
  metrics = createWorkerMetrics();
  metrics.watchWorker(() => stack.worker!.getState());
  ops = await startOpsServer({ port: opsPort, host: '127.0.0.1', checks: [], sdkMetricsAddress: stack.sdkMetricsAddress, registry: metrics.registry });
  browser = await launchChromium('the console test');
});
after(async () => {
  await browser?.close();
  ops?.close();
  await stack?.stop();
});

const signIn = () => signInConsole(browser, stack.adminUrl, '/console/deliveries');

/** A paid order with two lines, through paid-and-emailed; resolves once its run closed. */
async function paidOrder() {
  const orderId = uid('ord');
  const skus = [uid('SKU'), uid('SKU')];
  await stack.db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: orderId, status: 'pending' });
  await stack.db.collection<{ _id: string; stock: number }>('inventory').insertMany(skus.map((sku) => ({ _id: sku, stock: 10 })));
  const email = `${uid('tl')}@example.com`;
  const event = paymentSucceeded({ orderId, email, items: skus.map((sku) => ({ sku, quantity: 1 })) });
  const res = await postEvent(stack.ingressUrl, event);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const run = (res.body.runs as { flow: string; workflowId: string }[]).find((r) => r.flow === 'paid-and-emailed')!;
  await stack.client.workflow.getHandle(run.workflowId).result();
  const mail = stack.smtp.messages.find((m) => m.to.includes(email));
  assert.ok(mail?.messageId, 'the catcher has the email with its Message-ID');
  return { deliveryId: res.body.deliveryId as string, workflowId: run.workflowId, messageId: mail.messageId };
}

test('in Chromium: the event page\'s timeline goes from receipt to the email\'s Message-ID, and the CLI prints the same', async () => {
  const paid = await paidOrder();
  const page = await signIn();
  await page.goto(`${stack.adminUrl}/console/deliveries/${encodeURIComponent(paid.deliveryId)}`);
  const timeline = page.locator('#timeline');
  await timeline.waitFor();
  const rows = await timeline.locator('tbody tr').allInnerTexts();
  const index = (re: RegExp) => rows.findIndex((r) => re.test(r));
  const order = [/^\S*\s*received/, /stored/, /started/, /mark-order-paid\s+local step\s+mongo\.updateOne/, /decrement-inventory\[0\]\s+local step/, /email-customer\s+step\s+email\.send/, /run completed/];
  const at = order.map(index);
  assert.ok(at.every((i) => i >= 0), `every stage is on the timeline:\n${rows.join('\n')}`);
  assert.deepEqual([...at].sort((a, b) => a - b), at, 'in order');
  const second = index(/decrement-inventory\[1\]\s+local step/); // the forEach's lines run side by side: either may be first
  assert.ok(second > at[3] && second < at[5], `decrement-inventory[1] between the first step and the email:\n${rows.join('\n')}`);
  assert.match(rows[index(/mark-order-paid/)], /orders: document written/);
  assert.match(rows[index(/decrement-inventory\[1\]/)], /inventory: document written/);
  const email = rows[index(/email-customer/)];
  assert.ok(email.includes(`Message-ID ${paid.messageId}`), `the email's Message-ID, as the SMTP server got it: ${email}`);
  assert.match(email, /1 attempt · waited \d/, 'its attempts and its wait for a worker');
  assert.equal(await page.locator('#trace').count(), 0, 'no trace link without a trace id on the record');
  await timeline.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(IMAGES, 'console-timeline.png'), fullPage: true });

  // A record that carries a trace id (the tracing side writes it) shows it on the timeline.
  await stack.db.collection<{ _id: string; traceId?: string }>('hookflow_deliveries').updateOne({ _id: paid.deliveryId }, { $set: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736' } });
  await page.reload();
  assert.match(await page.locator('#trace').innerText(), /4bf92f3577b34da6a3ce929d0e0e4736/);
  await page.close();

  const cli = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(join(ROOT, 'bin/hookflow'), ['deliveries', 'show', paid.deliveryId, '--timeline'], {
      cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', HOOKFLOW_ADMIN_URL: stack.adminUrl, HOOKFLOW_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { err += c; });
    child.on('close', (code) => resolve({ code, out, err }));
  });
  assert.equal(cli.code, 0, cli.err);
  assert.match(cli.out, new RegExp(`^timeline of ${paid.deliveryId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
  assert.match(cli.out, /ok\s+mark-order-paid \(local mongo\.updateOne\)\s+\[1 attempt\]\s+orders: document written/);
  assert.ok(cli.out.includes(`Message-ID ${paid.messageId}`), cli.out);
  assert.match(cli.out, /trace 4bf92f3577b34da6a3ce929d0e0e4736/);
});

test('in Chromium: the Flows page lists each flow\'s controls and the flows that are off with what turns them on', async () => {
  const page = await signIn();
  await page.getByRole('link', { name: 'Flows and sources' }).click();
  await page.waitForURL(/\/console\/flows$/);
  const controls = async (flow: string) => page.locator('tr', { has: page.getByRole('link', { name: flow, exact: true }) }).locator('td').nth(3).innerText();
  const gated = await controls('gated-orders');
  for (const shown of ['concurrency 2 per event.body.data.order_id', 'throttle 10 per 1s (burst 5) per event.body.data.order_id', 'rate limit 100 per 1m (the rest dropped)', 'priority 2']) {
    assert.ok(gated.includes(shown), `gated-orders shows "${shown}": ${gated}`);
  }
  assert.match(await controls('debounced-orders'), /debounce 3s \(at most 1m\) per event\.body\.data\.order_id/);
  assert.match(await controls('batched-orders'), /batch of up to 50 within 10s/);
  assert.match(await page.locator('main').innerText(), /Flows off\s+needs-slack: off until CONSOLE_TEST_SLACK_URL is set \(requires: in its file\)/);
  assert.equal(await page.locator('a.on').innerText(), 'Flows and sources');
  await page.screenshot({ path: join(IMAGES, 'console-flows.png'), fullPage: true });
  await page.close();
});

test('in Chromium: the Health page shows the task queue and the worker, green while it polls and red once a workflow task ran past its deadline', async () => {
  const page = await signIn();
  await page.goto(`${stack.adminUrl}/console/health`);
  const queue = page.locator('#worker-queue');
  const worker = page.locator('#workers tr.worker');
  assert.match(await queue.innerText(), /task queue hookflow-test\s+[1-9]\d* poller\(s\)/);
  assert.equal(await queue.getAttribute('data-stalled'), 'false', await queue.innerText());
  const row = await worker.innerText();
  assert.ok(row.includes(opsUrl), row);
  assert.match(row, /polling\s+\d+ used \/ [1-9]\d* free/, 'its workflow-task slots, read from the SDK metrics it serves');
  assert.equal(await worker.getAttribute('data-stalled'), 'false', row);
  assert.equal(await worker.locator('td.ok').innerText(), 'ok');
  await page.screenshot({ path: join(IMAGES, 'console-health.png'), fullPage: true });

  // The SDK's warning for a workflow task over its deadline, through the worker's SDK logger as
  // worker/main.ts installs it: counted, and the Health page turns red.
  sdkLogger(pino({ level: 'silent' }), () => metrics.workflowTasksOverDeadline.inc()).warn('[TMPRL1104] Workflow task duration exceeded 5 seconds');
  await page.reload();
  assert.equal(await worker.getAttribute('data-stalled'), 'true');
  assert.match(await worker.locator('td.bad').innerText(), /^STALLED: a workflow task ran past its deadline in the last 5 min/);
  assert.match(await worker.innerText(), /\b1, last /);
  await page.screenshot({ path: join(IMAGES, 'console-health-stalled.png'), fullPage: true });
  await page.close();
});

test('in Chromium: sources and outcomes are picked from lists, and the filter they make is applied', async () => {
  await paidOrder();
  const page = await signIn();
  const source = page.getByLabel('Source');
  const outcome = page.getByLabel('Outcome');
  assert.equal(await source.evaluate((el) => el.tagName), 'SELECT');
  assert.deepEqual(await outcome.locator('option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value)), ['', 'accepted', 'duplicate', 'ignored', 'rejected', 'handshake', 'rate_limited', 'pending', 'failed']);
  const sources = await source.locator('option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
  for (const s of ['', 'payments', 'github', 'stripe']) assert.ok(sources.includes(s), `${s} is offered: ${sources.join(',')}`);
  await source.selectOption('payments');
  await outcome.selectOption('accepted');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/outcome=accepted/);
  assert.match(page.url(), /source=payments/);
  assert.equal(await page.getByLabel('Outcome').inputValue(), 'accepted', 'the picker shows the filter applied');
  const outcomes = await page.locator('tbody tr td:nth-child(5)').allInnerTexts();
  assert.ok(outcomes.length > 0 && outcomes.every((o) => o.startsWith('accepted')), outcomes.join('|'));
  await page.screenshot({ path: join(IMAGES, 'console-pickers.png') });
  await page.close();
});

test('in Chromium: every page lights its own nav item, error pages too', async () => {
  const page = await signIn();
  const lit = async (path: string) => {
    await page.goto(`${stack.adminUrl}${path}`);
    return page.locator('header a.on').allInnerTexts();
  };
  assert.deepEqual(await lit('/console/deliveries'), ['Deliveries']);
  assert.deepEqual(await lit('/console/deliveries/no-such-delivery'), ['Deliveries']);
  assert.deepEqual(await lit('/console/issues'), ['Issues']);
  assert.deepEqual(await lit('/console/issues/no-such-issue'), ['Issues'], 'an unknown issue\'s error page');
  assert.match(await page.locator('main').innerText(), /Error 404/);
  assert.deepEqual(await lit('/console/replays/no-such-job'), ['Issues']);
  assert.deepEqual(await lit('/console/flows'), ['Flows and sources']);
  assert.deepEqual(await lit('/console/health'), ['Health']);
  assert.deepEqual(await lit('/console/deliveries?outcome=nonsense'), ['Deliveries'], 'a bad filter\'s error page');
  await page.close();
});
