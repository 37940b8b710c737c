// The console's Outbound page in headless Chromium on the real stack (Temporal dev server,
// FerretDB, the worker delivering to loopback receivers): destinations with their breaker state,
// a failed delivery with its attempts, and an operator resuming the destination and retrying the
// delivery from the page until the receiver has it. Screenshot to docs/images (docs/outbound.md).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInConsole } from '../helpers/browser';
import { ROOT, type TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { startOutboundExample } from '../helpers/outbound-fixture';
import { waitFor } from '../helpers/wait-for';
import { outboundCollections } from '../../activities/outbound-store';

const IMAGES = join(ROOT, 'docs/images');
let fixture: Awaited<ReturnType<typeof startOutboundExample>>;
let stack: TestStack;
let browser: Browser;
let receivers: typeof fixture.receivers;

before(async () => {
  mkdirSync(IMAGES, { recursive: true });
  fixture = await startOutboundExample();
  ({ stack, receivers } = fixture);
  browser = await launchChromium('the console test');
});
after(async () => {
  await browser?.close();
  await fixture?.stop();
});

const signIn = () => signInConsole(browser, stack.adminUrl, '/console/outbound');

const stateOf = (page: Page, name: string) => page.locator(`tr[data-destination="${name}"] td.state`).innerText();

/** Posts an order's payment; the message id its publish step gave. */
async function publish(): Promise<string> {
  const event = paymentSucceeded({ orderId: uid('console-outbound-'), items: [{ sku: 'S', quantity: 1 }] });
  assert.equal((await postEvent(stack.ingressUrl, event)).status, 202);
  const run = await stack.client.workflow.getHandle(`publish-order-paid:payments:${event.id}`).result();
  return (run.steps.publish.output as { messageId: string }).messageId;
}

test('in Chromium: the Outbound page shows the disabled destination and its failed delivery\'s attempts; resume and retry (one, then all failed) from the page deliver them', async () => {
  const messageId = await publish();
  const c = outboundCollections(stack.db);
  const id = `flaky:${messageId}`;
  const failed = await waitFor('the flaky delivery to fail (the breaker disables flaky)', async () => {
    const r = await c.deliveries.findOne({ _id: id });
    return r?.status === 'failed' && r;
  });
  await waitFor('alpha delivered', async () => (await c.deliveries.findOne({ _id: `alpha:${messageId}` }))?.status === 'delivered');
  // A second message while flaky is disabled fails at once, with no attempt.
  const second = `flaky:${await publish()}`;
  await waitFor('the second flaky delivery to fail', async () => (await c.deliveries.findOne({ _id: second }))?.status === 'failed');

  const page = await signIn();
  assert.equal(await page.locator('header a.on').innerText(), 'Outbound');
  assert.match(await stateOf(page, 'flaky'), /^disabled/);
  assert.match(await stateOf(page, 'alpha'), /^active/);
  assert.match(await page.locator('tr[data-destination="alpha"]').innerText(), /200/, 'alpha\'s last attempt was answered 200');
  assert.match(await page.locator(`tr[data-delivery="${id}"] td.status`).innerText(), /failed/);

  // Pause and resume a healthy destination from the page.
  await page.locator('tr[data-destination="alpha"]').getByRole('button', { name: 'Pause' }).click();
  await page.waitForURL(/\/console\/outbound$/);
  assert.match(await stateOf(page, 'alpha'), /^paused/);
  assert.equal((await c.states.findOne({ _id: 'alpha' }))?.state, 'paused');
  await page.locator('tr[data-destination="alpha"]').getByRole('button', { name: 'Resume' }).click();
  assert.match(await stateOf(page, 'alpha'), /^active/);

  // The failed delivery: every attempt with the receiver's 500.
  await page.locator(`tr[data-delivery="${id}"] a`).click();
  await page.waitForURL(/\/console\/outbound\/flaky/);
  const attempts = page.locator('#attempts tbody tr');
  assert.equal(await attempts.count(), failed.attempts);
  assert.match(await attempts.first().innerText(), /500[\s\S]*ms/);
  assert.match(await page.locator('#status').innerText(), /failed[\s\S]*destination disabled/);

  // The receiver is fixed: resume flaky, retry this one delivery from its page.
  receivers.flaky.answer(200);
  await page.goto(`${stack.adminUrl}/console/outbound`);
  await page.locator('tr[data-destination="flaky"]').getByRole('button', { name: 'Resume' }).click();
  assert.match(await stateOf(page, 'flaky'), /^active/);
  await page.locator(`tr[data-delivery="${id}"] a`).click();
  const before = receivers.flaky.requests.length;
  await page.getByRole('button', { name: 'Retry this delivery' }).click();
  assert.match(await page.locator('.flash').innerText(), /Retry started/);
  await waitFor('the retried delivery delivered', async () => (await c.deliveries.findOne({ _id: id }))?.status === 'delivered');
  assert.equal(receivers.flaky.requests.length, before + 1);
  assert.equal(receivers.flaky.requests.at(-1)!.headers['webhook-id'], messageId);
  await page.reload();
  assert.match(await page.locator('#status').innerText(), /^delivered/);
  assert.match(await attempts.last().innerText(), /200/);
  await page.screenshot({ path: join(IMAGES, 'console-outbound-delivery.png'), fullPage: true });

  // The other failed one with the destination's "Retry all failed" button.
  await page.goto(`${stack.adminUrl}/console/outbound`);
  assert.match(await stateOf(page, 'flaky'), /^active/);
  await page.locator('tr[data-destination="flaky"]').getByRole('button', { name: 'Retry 1 failed' }).click();
  assert.match(await page.locator('.flash').innerText(), /Retrying 1 failed deliveries to flaky/);
  await waitFor('the second delivery delivered', async () => (await c.deliveries.findOne({ _id: second }))?.status === 'delivered');
  assert.equal(receivers.flaky.requests.length, before + 2);
  await page.reload();
  assert.match(await page.locator(`tr[data-delivery="${second}"] td.status`).innerText(), /delivered/);
  await page.screenshot({ path: join(IMAGES, 'console-outbound.png'), fullPage: true });

  // An unknown delivery is an error page under the Outbound nav item, not JSON.
  const missing = await page.goto(`${stack.adminUrl}/console/outbound/no-such-delivery`);
  assert.equal(missing?.status(), 404);
  assert.match(await page.locator('main').innerText(), /Error 404[\s\S]*no outbound delivery "no-such-delivery"/);
  assert.deepEqual(await page.locator('header a.on').allInnerTexts(), ['Outbound']);
});
