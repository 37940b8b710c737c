// The Temporal Web UI, as an on-call engineer uses it, on a stack whose payloads are encrypted:
// without the codec it shows ciphertext; signed in to hookflow's console, with the UI's codec
// setting pointed at the admin listener's /codec (cross-origin credentials on), it shows the
// run's event. Headless Chromium; a screenshot of each view goes to test-artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { ROOT, TEST_ADMIN_TOKEN, startTestStack, type TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';

const ARTIFACTS = join(ROOT, 'test-artifacts');

let stack: TestStack;
let browser: Browser;
before(async () => {
  stack = await startTestStack({ temporalUi: true });
  browser = await launchChromium('the Temporal UI check');
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A payment run with a customer email only its encrypted payloads hold. */
async function paidRun(): Promise<{ email: string; historyUrl: string }> {
  const email = `${uid('ada')}@example.com`;
  const orderId = uid('ord');
  await stack.db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: orderId, status: 'pending' });
  const res = await postEvent(stack.ingressUrl, paymentSucceeded({ orderId, email, items: [{ sku: await stockItem(), quantity: 1 }] }));
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const handle = stack.client.workflow.getHandle(res.body.runs[0].workflowId as string);
  await handle.result();
  const { runId } = await handle.describe();
  return { email, historyUrl: `${stack.temporalUiUrl}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}/${runId}/history` };
}

/** The UI's own codec setting for this browser (what its "Codec Server" dialog stores). */
async function useCodec(context: BrowserContext): Promise<void> {
  const endpoint = `${stack.adminUrl}/codec`;
  // A string script: it runs in the page, where the test's types (no DOM lib) do not apply.
  await context.addInitScript(`if (location.href.startsWith(${JSON.stringify(stack.temporalUiUrl)})) {
    localStorage.setItem('endpoint', ${JSON.stringify(JSON.stringify(endpoint))});
    localStorage.setItem('includeCredentials', 'true');
    localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
  }`);
}

async function signIn(context: BrowserContext): Promise<void> {
  const page = await context.newPage();
  await page.goto(`${stack.adminUrl}/console/login`);
  await page.getByLabel('Admin token').fill(TEST_ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/deliveries$/);
  await page.close();
}

async function openRun(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}

test('without the codec the UI shows ciphertext; signed in to the console, through /codec, the event itself', async () => {
  const { email, historyUrl } = await paidRun();

  const plain = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const encrypted = await openRun(plain, historyUrl);
  await encrypted.getByText('encryption-key-id').first().waitFor();
  await shot(encrypted, 'temporal-ui-encrypted.png');
  assert.ok(!(await encrypted.locator('body').innerText()).includes(email), 'no customer email without the codec');
  await plain.close();

  // The codec set, but no console session: the endpoint refuses, the UI says so and keeps the ciphertext.
  const anonymous = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  await useCodec(anonymous);
  const refused = await openRun(anonymous, historyUrl);
  await refused.getByText('Codec Server could not connect').first().waitFor({ state: 'attached' });
  await refused.getByText('encryption-key-id').first().waitFor();
  assert.ok(!(await refused.locator('body').innerText()).includes(email));
  await anonymous.close();

  const operator = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  await signIn(operator);
  await useCodec(operator);
  const decoded = await openRun(operator, historyUrl);
  await decoded.getByText(email).first().waitFor();
  await shot(decoded, 'temporal-ui-decoded.png');
  assert.ok(!(await decoded.locator('body').innerText()).includes('encryption-key-id'), 'the input is shown decoded');
  await operator.close();
});

async function stockItem(): Promise<string> {
  const sku = uid('SKU');
  await stack.db.collection<{ _id: string; stock: number }>('inventory').insertOne({ _id: sku, stock: 5 });
  return sku;
}
