// Looks at a run as an on-call engineer would: headless Chromium opens the embedded Temporal Web
// UI, finds a completed run by a search-attribute query, and reads the step names in its history;
// and finds a run waiting for its payment callback by its correlation key, with the timer in its
// history. Screenshots are kept under test-artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { MongoClient, type Db } from 'mongodb';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startEmbeddedServices, type EmbeddedServices } from '../../devstack/services';
import { freePort } from '../../lib/net';
import { createWorker } from '../../worker/create-worker';
import { createMailer } from '../../activities/mailer';
import { planRuns } from '../../server/starts/planned-runs';
import { createRunStarter } from '../../server/starts/start-runs';
import { type Definitions, loadDefinitions } from '../../definitions/definitions';
import { ROOT } from '../helpers/paths';
import { paymentSucceeded, uid } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const log = pino({ level: 'silent' });

let services: EmbeddedServices;
let dataDir: string;
let browser: Browser;
const cleanups: (() => Promise<unknown> | void)[] = [];

before(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  dataDir = mkdtempSync(join(tmpdir(), 'hookflow-ui-'));
  services = await startEmbeddedServices({
    dataDir,
    headless: false,
    ports: { temporal: await freePort(), temporalUi: await freePort(), mongo: await freePort(), smtp: await freePort() },
  });
  browser = await launchChromium('the Temporal UI check');
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
  await browser?.close();
  await services?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

let started: Promise<{ db: Db; client: Client; definitions: Definitions }> | undefined;

/** One worker and client for the file, started by the first test that needs them. */
function workerAndClient() {
  started ??= startWorkerAndClient();
  return started;
}

async function startWorkerAndClient() {
  const mongo = await new MongoClient(services.mongodbUri).connect();
  cleanups.push(() => mongo.close());
  const db = mongo.db('ui');
  const connection = await NativeConnection.connect({ address: services.temporalAddress });
  const mail = createMailer(services.smtpUrl);
  const worker = await createWorker({ connection, namespace: 'default', taskQueue: 'ui', db, mail, log, mailFrom: 'ui@localhost' });
  const running = worker.run();
  cleanups.push(async () => { worker.shutdown(); await running; await connection.close(); mail.close(); });

  const clientConnection = await Connection.connect({ address: services.temporalAddress });
  cleanups.push(() => clientConnection.close());
  const client = new Client({ connection: clientConnection });
  const definitions = loadDefinitions(
    { flowsDir: join(ROOT, 'flows'), sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') },
    { PAYMENTS_WEBHOOK_SECRET: 'x' },
  );
  return { db, client, definitions };
}

async function runPaymentFlow(): Promise<{ eventId: string; workflowId: string }> {
  const { db, client, definitions } = await workerAndClient();
  const orderId = uid('ord');
  await db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: orderId, status: 'pending' });
  await db.collection<{ _id: string; stock: number }>('inventory').insertOne({ _id: 'SKU-UI', stock: 10 });
  const flow = definitions.flows.find((f) => f.name === 'payment-succeeded')!;
  const body = paymentSucceeded({ orderId, items: [{ sku: 'SKU-UI', quantity: 1 }, { sku: 'SKU-UI', quantity: 2 }] });
  const event = { id: body.id, type: body.type, source: 'payments', receivedAt: new Date().toISOString(), body };
  const [start] = await createRunStarter(client, 'ui', log)(await planRuns([flow], event), event);
  await client.workflow.getHandle(start.workflowId).result();
  return { eventId: body.id, workflowId: start.workflowId };
}

/** Lists runs by a search-attribute query in the UI and opens the one with this workflow id. */
async function openRunFoundBy(query: string, workflowId: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(`${services.temporalUiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
  // Visibility is eventually consistent: the list may need reloads before the run shows (a
  // minute's worth: on a loaded machine the dev server's index and the UI both lag).
  const link = page.getByRole('link', { name: workflowId });
  for (let attempt = 0; attempt < 60 && !(await link.count()); attempt++) {
    await page.waitForTimeout(1000);
    await page.reload();
  }
  await link.first().click();
  await page.waitForURL(/\/workflows\/.+/);
  return page;
}

test('a completed run is found by HookflowEventId in the Temporal UI, and every step, local or not, is named in its history', async () => {
  const { eventId, workflowId } = await runPaymentFlow();
  const page = await openRunFoundBy(`HookflowEventId="${eventId}"`, workflowId);
  await page.getByText('Completed').first().waitFor();
  // The event list (All): each local step's marker row carries its step label as its summary, and
  // the ordinary activity reads "email.send" with "email-customer". Not the flow input's JSON,
  // which names the step ids too: the row of the event itself.
  const row = (kind: string, activity: string, label: string) => page.locator('tr', { hasText: kind }).filter({ hasText: activity }).filter({ hasText: label });
  for (const label of ['mark-order-paid', 'decrement-inventory[0]', 'decrement-inventory[1]']) {
    await row('Local Activity', 'mongo.updateOne', label).first().waitFor({ timeout: 15_000 });
  }
  await row('Activity Task Scheduled', 'email.send', 'email-customer').first().waitFor({ timeout: 15_000 });
  await page.getByText('email.send • email-customer').first().waitFor(); // the timeline's label of the ordinary step
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'temporal-ui-run.png'), fullPage: true });
  await page.locator('table').filter({ hasText: 'Local Activity' }).first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ROOT, 'docs/images/temporal-ui-step-names.png') });
  const text = await page.locator('body').innerText();
  assert.match(text, /payment-succeeded ← payment\.succeeded/, 'the static summary names the flow and the event');
});

test('a run waiting for its callback is found by HookflowCorrelationKey and shows its timer', async () => {
  const { db, client, definitions } = await workerAndClient();
  const orderId = uid('ord');
  await db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: orderId, status: 'pending' });
  const paymentId = uid('pay');
  const flow = definitions.flows.find((f) => f.name === 'payment-created')!;
  const body = {
    id: uid('evt'), type: 'payment.created', created_at: '2026-11-23T10:00:00Z',
    data: { payment_id: paymentId, order_id: orderId, amount: 900, currency: 'EUR', method: 'bank_transfer', customer: { email: 'ui@example.com' }, items: [{ sku: 'SKU-UI', quantity: 1 }] },
  };
  const event = { id: body.id, type: body.type, source: 'payments', receivedAt: new Date().toISOString(), body };
  const [start] = await createRunStarter(client, 'ui', log)(await planRuns([flow], event), event);
  const handle = client.workflow.getHandle(start.workflowId);
  cleanups.push(() => handle.terminate('UI check done').catch(() => undefined));
  // The shipped flow waits 30 minutes: the run is waiting once its outcome says so.
  await waitFor('the run waiting for its callback', async () => ((await handle.describe()).searchAttributes.HookflowOutcome?.[0] === 'waiting' ? true : undefined), { attempts: 150, intervalMs: 200 });

  const page = await openRunFoundBy(`HookflowCorrelationKey="${paymentId}"`, start.workflowId);
  await page.getByText('Running').first().waitFor();
  await page.getByText(/Timer ?Started/i).first().waitFor({ timeout: 15_000 });
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'temporal-ui-waiting-run.png'), fullPage: true });
  const text = await page.locator('body').innerText();
  assert.match(text, /payment-created for correlation key/, 'the static summary names the flow and the key');
  assert.match(text, /mark-awaiting/, 'the step before the wait is in the history');
});
