// Chromium for the browser tests (Debian's package, or HOOKFLOW_CHROMIUM), launched as every one
// of them runs it, and the console's sign-in as an operator does it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';
import { TEST_ADMIN_TOKEN } from './ingress';

export const CHROMIUM = process.env.HOOKFLOW_CHROMIUM || '/usr/bin/chromium';

/** `what`: the check that needs it, named in the failure when Chromium is missing. */
export async function launchChromium(what: string): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${what} needs Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set HOOKFLOW_CHROMIUM`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens `path` of the console, is sent to the login page, signs in with the admin token and lands back on `path`. */
export async function signInConsole(browser: Browser, adminUrl: string, path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  await page.goto(`${adminUrl}${path}`);
  await page.waitForURL(/\/console\/login/);
  await page.getByLabel('Admin token').fill(TEST_ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(new RegExp(`${path.replace(/[/.]/g, '\\$&')}$`));
  return page;
}
