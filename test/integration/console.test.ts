// The operator console on a real stack (Temporal dev server with its Web UI, FerretDB, worker,
// ingress on its two listeners): the public listener answers only webhooks; sign-in, sessions and
// CSRF over plain HTTP; then headless Chromium does an on-call round: signs in, finds a delivery by
// a text in its body (a body holding <script> shows as text), follows its run into the Temporal
// UI, opens the issue a few failing runs made, replays it with the dry-run count first and watches
// the job finish. Screenshots go to test-artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import type { Browser } from 'playwright-core';
import { launchChromium, signInConsole } from '../helpers/browser';
import { ROOT, TEST_ADMIN_TOKEN, startTestStack, type TestStack } from '../helpers/stack';
import { startFakeApi, type FakeApi } from '../helpers/fake-api';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { admin } from '../helpers/admin';
import { waitFor } from '../helpers/wait-for';
import type { DeliveryRecord } from '../../server/deliveries/record';

const ARTIFACTS = join(ROOT, 'test-artifacts');

let stack: TestStack;
let ledger: FakeApi;
let browser: Browser;
/** Orders the ledger refuses: their tell-ledger run fails at once, until the ledger is "fixed". */
const refused = new Set<string>();

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ledger = await startFakeApi();
  ledger.handler = (req) => (refused.has(req.path.split('/').pop()!) ? { status: 400, body: { error: 'unknown order' } } : { status: 200, body: { ok: true } });
  process.env.ADMIN_TEST_LEDGER_URL = ledger.url;
  stack = await startTestStack({ flowsDir: join(ROOT, 'test/fixtures/admin/flows'), temporalUi: true });
  browser = await launchChromium('the console test');
});
after(async () => {
  await browser?.close();
  await stack?.stop();
  await ledger?.close();
});

/** Posts a payment and waits until its runs closed; `fail` makes its tell-ledger run fail. */
async function payment(opts: { fail?: boolean; customer?: string } = {}) {
  const orderId = uid('ord');
  if (opts.fail) refused.add(orderId);
  const event = paymentSucceeded({ orderId, items: [{ sku: 'SKU-A', quantity: 1 }] });
  if (opts.customer) event.data.customer.name = opts.customer;
  const res = await postEvent(stack.ingressUrl, event);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  for (const run of res.body.runs as { workflowId: string }[]) await stack.client.workflow.getHandle(run.workflowId).result().catch(() => undefined);
  return { orderId, eventId: event.id, deliveryId: res.body.deliveryId as string, runs: res.body.runs as { flow: string; workflowId: string }[] };
}

const record = (id: string) => stack.db.collection<DeliveryRecord>('hookflow_deliveries').findOne({ _id: id });

test('the public listener serves webhooks and /healthz only; the console, /admin, /metrics and /readyz are on the admin listener', async () => {
  const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  for (const path of ['/admin/deliveries', '/metrics', '/readyz', '/console', '/console/login', '/console/deliveries']) {
    const res = await fetch(`${stack.ingressUrl}${path}`, { headers: auth, redirect: 'manual' });
    assert.equal(res.status, 404, `public ${path}`);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'not_found');
  }
  assert.equal((await fetch(`${stack.ingressUrl}/healthz`)).status, 200);
  assert.equal((await fetch(`${stack.adminUrl}/admin/deliveries`, { headers: auth })).status, 200);
  assert.equal((await fetch(`${stack.adminUrl}/admin/deliveries`)).status, 401, 'the API without a token: 401, not the login page');
  assert.match(await (await fetch(`${stack.adminUrl}/metrics`)).text(), /^hookflow_relay_backlog /m);
  assert.equal((await fetch(`${stack.adminUrl}/readyz`)).status, 200);
  assert.equal((await fetch(`${stack.adminUrl}/webhooks/payments`, { method: 'POST', body: '{}' })).status, 404, 'providers post to the public listener only');
});

test('sign-in gives an HttpOnly SameSite=Strict session; a wrong token, a forged cookie, a missing CSRF token or another origin are refused', async () => {
  const login = (token: string) => fetch(`${stack.adminUrl}/console/login`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, next: '/console/health' }),
  });
  const anonymous = await fetch(`${stack.adminUrl}/console/deliveries?source=payments`, { redirect: 'manual' });
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.headers.get('location'), `/console/login?next=${encodeURIComponent('/console/deliveries?source=payments')}`);

  const wrong = await login('not-the-admin-token-000');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('set-cookie'), null);
  assert.match(await wrong.text(), /That is not the admin token/);

  const ok = await login(TEST_ADMIN_TOKEN);
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/console/health');
  const setCookie = ok.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /^hookflow_console=[^;]+/);
  assert.match(setCookie, /httponly/i);
  assert.match(setCookie, /samesite=strict/i);
  assert.match(setCookie, /expires=/i);
  const cookie = setCookie.split(';')[0];

  const health = await fetch(`${stack.adminUrl}/console/health`, { headers: { cookie } });
  assert.equal(health.status, 200);
  const healthPage = await health.text();
  assert.match(healthPage, /temporal<\/td><td class="ok">reachable/);
  assert.match(healthPage, /mongodb<\/td><td class="ok">reachable/);
  assert.match(healthPage, /<td id="backlog">0<\/td>/);
  const flowsPage = await (await fetch(`${stack.adminUrl}/console/flows`, { headers: { cookie } })).text();
  for (const flow of stack.definitions.flows) assert.ok(flowsPage.includes(`<code>${flow.version}</code>`), `${flow.name}'s version hash is shown`);
  assert.match(flowsPage, new RegExp(`>payments</a></td><td>${stack.definitions.sources.get('payments')!.verify.scheme}</td>`));
  const forged = `${cookie.slice(0, -2)}xx`;
  assert.equal((await fetch(`${stack.adminUrl}/console/health`, { headers: { cookie: forged }, redirect: 'manual' })).status, 303, 'a forged cookie is no session');

  // Writes: a replay without the form's CSRF token, or from another origin, starts nothing.
  const paid = await payment();
  const eventPage = await (await fetch(`${stack.adminUrl}/console/deliveries/${encodeURIComponent(paid.deliveryId)}`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(eventPage)?.[1];
  assert.ok(csrf, 'the event page has a replay form with a CSRF token');
  const replay = (body: Record<string, string>, headers: Record<string, string> = {}) => fetch(`${stack.adminUrl}/console/deliveries/${encodeURIComponent(paid.deliveryId)}/replay`, {
    method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body),
  });
  assert.equal((await replay({})).status, 403);
  assert.equal((await replay({ _csrf: `${csrf}x` })).status, 403);
  assert.equal((await replay({ _csrf: csrf }, { origin: 'https://evil.example' })).status, 403);
  assert.equal((await record(paid.deliveryId))?.replays, undefined, 'no refused write replayed anything');
  const accepted = await replay({ _csrf: csrf }, { origin: stack.adminUrl });
  assert.equal(accepted.status, 303);
  assert.equal((await record(paid.deliveryId))?.replays?.length, 1);
});

const signIn = () => signInConsole(browser, stack.adminUrl, '/console/deliveries');

test('in Chromium: find a delivery by body text, open it (its <script> body is text), follow its run into the Temporal UI', async () => {
  const marker = uid('Ada');
  const hostile = `${marker} <script>document.title = 'pwned'</script><img src=x onerror="document.title='pwned'">`;
  const paid = await payment({ customer: hostile });
  await payment(); // another delivery the search must leave out
  const page = await signIn();

  await page.getByLabel('Body contains').fill(marker);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/q=/);
  const rows = page.locator('tbody tr');
  assert.equal(await rows.count(), 1, 'the search finds exactly the delivery whose body holds the text');
  await page.screenshot({ path: join(ARTIFACTS, 'console-deliveries.png'), fullPage: true });
  await rows.first().getByRole('link', { name: paid.eventId }).click();
  await page.waitForURL(/\/console\/deliveries\/payments/);

  assert.match(await page.locator('#body').innerText(), new RegExp(`"name": "${marker} <script>document.title = 'pwned'</script><img src=x onerror=`), 'the body shows as text, pretty-printed');
  assert.equal(await page.locator('main script, main img').count(), 0, 'no element came from the payload');
  assert.notEqual(await page.title(), 'pwned');
  assert.match(await page.locator('main').innerText(), /COMPLETED/);
  await page.screenshot({ path: join(ARTIFACTS, 'console-event.png'), fullPage: true });

  const run = paid.runs.find((r) => r.flow === 'note-payment')!;
  await page.getByRole('link', { name: run.workflowId }).click();
  await page.waitForURL((url) => url.origin === new URL(stack.temporalUiUrl).origin && url.pathname.startsWith(`/namespaces/default/workflows/${encodeURIComponent(run.workflowId)}/`));
  await page.getByText(run.workflowId).first().waitFor({ timeout: 30_000 });
  await page.getByText('Completed').first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(ARTIFACTS, 'console-temporal-ui.png'), fullPage: true });
  await page.close();
});

test('in Chromium: the issue made by three failing runs, replayed with the dry-run count first, finishes', async () => {
  const failing = [await payment({ fail: true }), await payment({ fail: true }), await payment({ fail: true })];
  // Temporal's visibility is eventually consistent: wait for the issue to hold all three runs.
  const issue = await waitFor('the tell-ledger issue with 3 runs', async () => {
    const res = await admin(stack.adminUrl, 'GET', '/admin/issues?kind=run_failed');
    return (res.body.issues as { id: string; key: { flow?: string }; count: number }[]).find((i) => i.key.flow === 'tell-ledger' && i.count === 3);
  }, { attempts: 150, intervalMs: 200 });
  for (const f of failing) refused.delete(f.orderId); // the ledger is fixed

  const page = await signIn();
  await page.getByRole('link', { name: 'Issues' }).click();
  await page.screenshot({ path: join(ARTIFACTS, 'console-issues.png'), fullPage: true });
  await page.locator(`a[href="/console/issues/${issue.id}"]`).click();
  await page.waitForURL(new RegExp(`/console/issues/${issue.id}$`));
  assert.equal(await page.locator('#status').innerText(), 'open');

  await page.getByRole('button', { name: 'Replay its events…' }).click();
  assert.match(await page.locator('#dry-run').innerText(), /^3 event\(s\) would be replayed/);
  assert.equal((await record(failing[0].deliveryId))?.replays, undefined, 'the dry run started nothing');
  await page.screenshot({ path: join(ARTIFACTS, 'console-issue-dry-run.png'), fullPage: true });
  await page.getByRole('button', { name: 'Replay 3 event(s)' }).click();
  await page.waitForURL(/\/console\/replays\//);
  // The job page reloads itself while the job runs.
  await page.locator('#job-state', { hasText: 'finished' }).waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('#job-progress').innerText(), '3 of 3 done, 0 failed');
  await page.screenshot({ path: join(ARTIFACTS, 'console-replay-finished.png'), fullPage: true });
  await page.close();

  for (const f of failing) {
    const replayed = (await record(f.deliveryId))?.replays?.[0]?.runs[0];
    assert.ok(replayed, `${f.deliveryId} was replayed`);
    assert.equal(replayed.flow, 'tell-ledger');
    assert.equal((await stack.client.workflow.getHandle(replayed.workflowId).describe()).status.name, 'COMPLETED');
  }
});

test('sign-in is throttled per address: after five wrong tokens even the right one waits (429, Retry-After); other addresses sign in', async () => {
  const url = new URL(`${stack.adminUrl}/console/login`);
  const loginFrom = (localAddress: string, token: string) => new Promise<{ status: number; retryAfter?: string; text: string }>((resolve, reject) => {
    const body = new URLSearchParams({ token, next: '/console/health' }).toString();
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress, agent: false,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
  for (let i = 0; i < 5; i++) assert.equal((await loginFrom('127.0.0.7', `wrong-${i}`)).status, 401);
  const held = await loginFrom('127.0.0.7', TEST_ADMIN_TOKEN);
  assert.equal(held.status, 429, held.text);
  assert.ok(Number(held.retryAfter) > 0, `Retry-After: ${held.retryAfter}`);
  assert.match(held.text, /Too many wrong tokens/);
  assert.equal((await loginFrom('127.0.0.8', TEST_ADMIN_TOKEN)).status, 303, 'another address signs in');
});
