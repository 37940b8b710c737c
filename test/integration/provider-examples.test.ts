// The shipped provider examples end to end (sources/, schemas/events/, flows/ as shipped), with
// events signed by Stripe's and Octokit's libraries and per Shopify's and Slack's documented
// schemes: Stripe marks an order paid and emails the receipt, GitHub posts to a Slack incoming
// webhook, Shopify stores the order and reserves stock, a Slack mention is answered through
// Slack's Web API (a loopback server stands in for Slack), a payment is forwarded to a catch hook
// (a loopback server that checks the signature as a Zapier Code step would). And the refusals of
// the shipped Stripe, GitHub and Shopify sources: wrong key, stale timestamp, redelivery.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import Stripe from 'stripe';
import { startTestStack, type TestStack } from '../helpers/stack';
import { startFakeApi, type FakeApi } from '../helpers/fake-api';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { spawnFile } from '../helpers/spawn-file';
import { expectAcceptedAndRun, expectDuplicate, expectRejected, post } from '../helpers/provider-requests';

const SECRETS = {
  STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(16).toString('hex')}`,
  GITHUB_WEBHOOK_SECRET: randomBytes(20).toString('hex'),
  SHOPIFY_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
  SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'),
};
const octokit = import('@octokit/webhooks-methods' as string) as Promise<{ sign(secret: string, payload: string): Promise<string> }>;

const CATCH_HOOK_SECRET = randomBytes(16).toString('hex');

/** What the catch hook's owner checks: sha256=<hex HMAC of "<timestamp>.<raw body>">, timestamp within 5 minutes. */
function catchHookVerifies(headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const ts = String(headers['x-hookflow-timestamp'] ?? '');
  const given = Buffer.from(String(headers['x-hookflow-signature'] ?? ''));
  const expected = Buffer.from(`sha256=${createHmac('sha256', CATCH_HOOK_SECRET).update(`${ts}.${body}`).digest('hex')}`);
  return /^\d+$/.test(ts) && Math.abs(Date.now() / 1000 - Number(ts)) <= 300 && given.length === expected.length && timingSafeEqual(given, expected);
}

let slack: FakeApi;
let catchHook: FakeApi;
let stack: TestStack;
before(async () => {
  slack = await startFakeApi();
  slack.handler = () => ({ status: 200, body: { ok: true } });
  catchHook = await startFakeApi();
  catchHook.handler = (req) => (catchHookVerifies(req.headers, req.body) ? { status: 200, body: { status: 'success' } } : { status: 401, body: { error: 'bad signature' } });
  // The worker reads these from its environment; the flows that require them load only when set.
  const flowVariables = {
    SLACK_INCOMING_WEBHOOK_URL: `${slack.url}/services/T1/B1/x`, SLACK_API_URL: `${slack.url}/api`, SLACK_BOT_AUTHORIZATION: 'Bearer xoxb-test',
    ZAPIER_CATCH_HOOK_URL: `${catchHook.url}/hooks/catch/123/abc/`, ZAPIER_SIGNING_SECRET: CATCH_HOOK_SECRET,
  };
  Object.assign(process.env, flowVariables);
  stack = await startTestStack({ env: { ...SECRETS, ...flowVariables } });
});
after(async () => {
  await stack?.stop();
  await slack?.close();
  await catchHook?.close();
});

const orders = () => stack.db.collection<{ _id: string; [k: string]: unknown }>('orders');
const inventory = () => stack.db.collection<{ _id: string; stock: number; reserved?: number }>('inventory');
const slackBodies = (path: string) => slack.requests.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as Record<string, string>);

describe('shipped provider examples', () => {
  test('stripe payment_intent.succeeded: order paid, receipt emailed; a redelivery is a duplicate', async () => {
    const orderId = uid('ord');
    await orders().insertOne({ _id: orderId, status: 'awaiting-payment' });
    const id = `evt_${randomBytes(8).toString('hex')}`;
    const email = `${uid('buyer')}@example.com`;
    const payload = JSON.stringify({ id, object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_3Mt', object: 'payment_intent', amount_received: 2000, currency: 'eur', receipt_email: email, metadata: { order_id: orderId } } } });
    const headers = () => ({ 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRETS.STRIPE_WEBHOOK_SECRET }) });
    const workflowId = `stripe-payment-succeeded:stripe:${id}`;
    await expectAcceptedAndRun(stack, await post(stack, 'stripe', payload, headers()), workflowId);
    assert.equal((await orders().findOne({ _id: orderId }))?.status, 'paid');
    const [mail] = await stack.smtp.waitFor((m) => m.to.includes(email));
    assert.match(mail!.text ?? '', /20\.00 EUR/);
    await expectDuplicate(stack, await post(stack, 'stripe', payload, headers()), workflowId);
  });

  test('github push and pull_request.closed: a message to the Slack incoming webhook', async () => {
    const repo = `acme/${uid('repo')}`;
    const send = async (event: string, body: object) => {
      const payload = JSON.stringify(body);
      const delivery = randomBytes(16).toString('hex');
      const headers = { 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': await (await octokit).sign(SECRETS.GITHUB_WEBHOOK_SECRET, payload) };
      await expectAcceptedAndRun(stack, await post(stack, 'github', payload, headers), `github-notify-slack:github:${delivery}`);
    };
    await send('push', { ref: 'refs/heads/main', repository: { full_name: repo }, pusher: { name: 'octocat' }, commits: [{ id: 'a1', message: 'fix' }, { id: 'b2', message: 'docs' }] });
    await send('pull_request', { action: 'closed', number: 42, pull_request: { title: 'Add presets', html_url: 'https://github.com/acme/x/pull/42', merged: true, user: { login: 'hubot' } }, repository: { full_name: repo } });
    const texts = slackBodies('/services/T1/B1/x').map((b) => b.text).filter((t) => t.includes(repo));
    assert.deepEqual(texts, [
      `octocat pushed 2 commit(s) to ${repo} (refs/heads/main)`,
      `Merged #42 Add presets by hubot in ${repo}: https://github.com/acme/x/pull/42`,
    ]);
  });

  test('shopify orders/create: the order stored, stock reserved per SKU', async () => {
    const sku = uid('SKU');
    await inventory().insertOne({ _id: sku, stock: 5 });
    const orderNumber = Number(`${Date.now()}`.slice(-9)) * 10 + Math.floor(Math.random() * 10);
    const payload = JSON.stringify({ id: orderNumber, name: '#1001', email: 'jon@example.com', currency: 'EUR', total_price: '30.00', line_items: [{ sku, quantity: 2, title: 'Mug' }] });
    const webhookId = uid('wh');
    const headers = { 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': webhookId, 'x-shopify-hmac-sha256': createHmac('sha256', SECRETS.SHOPIFY_WEBHOOK_SECRET).update(payload).digest('base64') };
    await expectAcceptedAndRun(stack, await post(stack, 'shopify', payload, headers), `shopify-order-created:shopify:${webhookId}`);
    assert.equal((await orders().findOne({ _id: `shopify-${orderNumber}` }))?.status, 'reserved');
    const line = await inventory().findOne({ _id: sku });
    assert.deepEqual([line?.stock, line?.reserved], [3, 2]);
  });

  test('hookflow send SOURCE --sample TYPE signs a shipped sample with the source\'s scheme: accepted, a run per send', async () => {
    const env = { ...process.env, ...SECRETS, HOOKFLOW_URL: stack.ingressUrl };
    // What the samples name, as npm start's demo data has it.
    await orders().insertOne({ _id: 'ord_1001', status: 'awaiting-payment' });
    await inventory().insertMany([{ _id: 'SKU-TSHIRT', stock: 10 }, { _id: 'SKU-MUG', stock: 10 }]);
    for (const [source, sample, flow] of [['stripe', 'payment_intent.succeeded', 'stripe-payment-succeeded'], ['github', 'pull_request.closed', 'github-notify-slack'], ['shopify', 'orders.create', 'shopify-order-created'], ['slack', 'app_mention', 'slack-app-mention']]) {
      const sent = await spawnFile('bin/hookflow', ['send', source!, '--sample', sample!], env);
      assert.equal(sent.code, 0, `${source}: ${sent.stdout}${sent.stderr}`);
      const answer = JSON.parse(sent.stdout.slice(sent.stdout.indexOf('{')));
      assert.equal(answer.status, 'accepted');
      assert.equal(answer.eventType, sample);
      assert.match(answer.runs[0].workflowId, new RegExp(`^${flow}:${source}:`));
      await stack.client.workflow.getHandle(answer.runs[0].workflowId).result();
    }
    // Shopify's 64-bit order id arrives with every digit, and the same sample sent again is the duplicate it is.
    assert.equal((await orders().findOne({ _id: 'shopify-820982911946154508' }))?.status, 'reserved');
    assert.equal(await orders().countDocuments({ _id: 'shopify-820982911946154500' }), 0);
    const again = await spawnFile('bin/hookflow', ['send', 'shopify', '--sample', 'orders.create'], env);
    assert.equal(again.code, 0, `${again.stdout}${again.stderr}`);
    assert.equal(JSON.parse(again.stdout.slice(again.stdout.indexOf('{'))).status, 'duplicate');
    const unknown = await spawnFile('bin/hookflow', ['send', 'stripe', '--sample', 'charge.nope'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no sample "charge.nope" for scheme stripe; samples: payment_intent.succeeded/);
  });

  test('slack app_mention: a threaded reply through Slack\'s Web API', async () => {
    const eventId = uid('Ev');
    const payload = JSON.stringify({ type: 'event_callback', event_id: eventId, event: { type: 'app_mention', user: 'U123', text: '<@UAPP> hello', channel: 'C42', ts: '1700000000.000100' } });
    const t = Math.floor(Date.now() / 1000);
    const headers = { 'x-slack-request-timestamp': String(t), 'x-slack-signature': `v0=${createHmac('sha256', SECRETS.SLACK_SIGNING_SECRET).update(`v0:${t}:${payload}`).digest('hex')}` };
    await expectAcceptedAndRun(stack, await post(stack, 'slack', payload, headers), `slack-app-mention:slack:${eventId}`);
    const reply = slack.requests.find((r) => r.path === '/api/chat.postMessage' && r.body.includes('1700000000.000100'));
    assert.equal(reply?.headers.authorization, 'Bearer xoxb-test');
    assert.deepEqual(JSON.parse(reply!.body), { channel: 'C42', thread_ts: '1700000000.000100', text: 'Hello <@U123>, hookflow got your message.' });
  });
});

describe('zapier-catch-hook: any event, forwarded as a signed POST', () => {
  test('a payment is posted to the catch hook, signed so that its owner can verify it; a redelivery posts nothing more', async () => {
    const event = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: uid('SKU'), quantity: 1 }] });
    // payment-succeeded runs on it too: give it its order and stock.
    await orders().insertOne({ _id: event.data.order_id, status: 'awaiting-payment' });
    await inventory().insertOne({ _id: event.data.items[0]!.sku, stock: 1 });
    const answer = await postEvent(stack.ingressUrl, event);
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    const run = answer.body.runs.find((r: { flow: string }) => r.flow === 'zapier-catch-hook');
    assert.ok(run, `no zapier-catch-hook run among ${JSON.stringify(answer.body.runs)}`);
    await stack.client.workflow.getHandle(run.workflowId).result();
    const posted = catchHook.requests.filter((r) => r.body.includes(event.id));
    assert.equal(posted.length, 1);
    assert.ok(catchHookVerifies(posted[0]!.headers, posted[0]!.body), 'the catch hook accepts the signature');
    assert.equal(posted[0]!.headers['idempotency-key'], `${run.workflowId}/post-to-catch-hook`);
    assert.deepEqual(JSON.parse(posted[0]!.body), {
      event: 'payment.succeeded', event_id: event.id, order_id: event.data.order_id, payment_id: event.data.payment_id,
      amount: event.data.amount, currency: 'EUR', customer_email: event.data.customer.email,
    });
    const again = await postEvent(stack.ingressUrl, event);
    assert.equal(again.body.status, 'duplicate');
    assert.equal(catchHook.requests.filter((r) => r.body.includes(event.id)).length, 1);
  });
});

describe('the shipped Stripe, GitHub and Shopify sources refuse what their providers would not send', () => {
  test('stripe: wrong key and stale timestamp 401', async () => {
    const id = `evt_${randomBytes(8).toString('hex')}`;
    const payload = JSON.stringify({ id, object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1', amount_received: 1, currency: 'eur', metadata: { order_id: uid('ord') } } } });
    const header = (secret: string, timestamp?: number) => ({ 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }) });
    await expectRejected(stack, await post(stack, 'stripe', payload, header(`whsec_${randomBytes(16).toString('hex')}`)), 401, 'signature_invalid');
    await expectRejected(stack, await post(stack, 'stripe', payload, header(SECRETS.STRIPE_WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 600)), 401, 'signature_stale');
  });

  test('github: wrong key 401; a redelivery (same X-GitHub-Delivery) is a duplicate', async () => {
    const payload = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: `acme/${uid('repo')}` }, pusher: { name: 'octocat' }, commits: [] });
    const delivery = randomBytes(16).toString('hex');
    const headers = async (secret: string) => ({ 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': await (await octokit).sign(secret, payload) });
    await expectRejected(stack, await post(stack, 'github', payload, await headers('not-the-secret')), 401, 'signature_invalid');
    const workflowId = `github-notify-slack:github:${delivery}`;
    await expectAcceptedAndRun(stack, await post(stack, 'github', payload, await headers(SECRETS.GITHUB_WEBHOOK_SECRET)), workflowId);
    await expectDuplicate(stack, await post(stack, 'github', payload, await headers(SECRETS.GITHUB_WEBHOOK_SECRET)), workflowId);
  });

  test('shopify: wrong key 401; a retry (same X-Shopify-Webhook-Id) is a duplicate', async () => {
    const sku = uid('SKU');
    await inventory().insertOne({ _id: sku, stock: 5 });
    const payload = JSON.stringify({ id: Number(`${Date.now()}`.slice(-9)) * 10 + 7, name: '#1002', email: 'jon@example.com', currency: 'EUR', total_price: '10.00', line_items: [{ sku, quantity: 1, title: 'Mug' }] });
    const webhookId = uid('wh');
    const headers = (secret: string) => ({ 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': webhookId, 'x-shopify-hmac-sha256': createHmac('sha256', secret).update(payload).digest('base64') });
    await expectRejected(stack, await post(stack, 'shopify', payload, headers('not-the-secret')), 401, 'signature_invalid');
    const workflowId = `shopify-order-created:shopify:${webhookId}`;
    await expectAcceptedAndRun(stack, await post(stack, 'shopify', payload, headers(SECRETS.SHOPIFY_WEBHOOK_SECRET)), workflowId);
    await expectDuplicate(stack, await post(stack, 'shopify', payload, headers(SECRETS.SHOPIFY_WEBHOOK_SECRET)), workflowId);
    assert.equal((await inventory().findOne({ _id: sku }))?.reserved, 1, 'stock reserved once');
  });
});
