// Every preset through the real ingress (HTTP → verification → delivery store → Temporal), signed
// by the provider's own library; and the answers for address, size, type and schema problems.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { request } from 'node:http';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import type { DeliveryRecord } from '../../server/deliveries/record';
import { ROOT, startTestStack, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

const FIXTURES = join(ROOT, 'test/fixtures/ingress');
const SECRETS = {
  STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(16).toString('hex')}`,
  STRIPE_WEBHOOK_SECRET_OLD: 'whsec_old_expired_in_2020',
  GITHUB_WEBHOOK_SECRET: randomBytes(20).toString('hex'),
  SVIX_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
  PARTNER_SECRET: randomBytes(20).toString('hex'),
};
const SHOPIFY_SECRET = 'shpss_fixture_secret_for_tests';
const octokit = import('@octokit/webhooks-methods' as string) as Promise<{ sign(secret: string, payload: string): Promise<string> }>;

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ sourcesDir: join(FIXTURES, 'sources'), flowsDir: join(FIXTURES, 'flows'), schemasDir: join(FIXTURES, 'schemas'), env: SECRETS });
});
after(async () => { await stack?.stop(); });

interface Answer { status: number; body: Record<string, any>; requestId: string }

/** POSTs raw bytes over a real socket; headers go out exactly as given. */
function post(source: string, body: string | Buffer, headers: Record<string, string>): Promise<Answer> {
  const requestId = uid('req');
  return new Promise((resolve, reject) => {
    const req = request(`${stack.ingressUrl}/webhooks/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString() || '{}'), requestId }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const recordOf = (a: Answer) => stack.deliveries.collection.findOne({ requestId: a.requestId }) as Promise<DeliveryRecord | null>;

async function expectAcceptedAndRun(a: Answer, workflowId: string) {
  assert.equal(a.status, 202, JSON.stringify(a.body));
  assert.equal(a.body.status, 'accepted');
  assert.deepEqual(a.body.runs.map((r: { workflowId: string }) => r.workflowId), [workflowId]);
  await stack.client.workflow.getHandle(workflowId).result();
  // The started mark is written shortly after the answer (it lingers to share a write).
  const record = await waitFor('the record marked started', async () => { const r = await recordOf(a); return r?.relay?.state === 'started' && r; });
  assert.equal(record?.outcome, 'accepted');
  assert.ok(record?.runs[0]?.runId, 'the record names the run it started');
}

async function expectRejected(a: Answer, status: number, code: string) {
  assert.equal(a.status, status, JSON.stringify(a.body));
  assert.equal(a.body.error.code, code);
  const record = await recordOf(a);
  assert.equal(record?.outcome, 'rejected');
  assert.equal(record?.reason, code);
  assert.equal(record?.runs.length, 0);
}

async function expectDuplicateOf(a: Answer, workflowId: string) {
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.equal(a.body.status, 'duplicate');
  assert.deepEqual(a.body.runs.map((r: { workflowId: string }) => r.workflowId), [workflowId]);
  assert.equal((await recordOf(a))?.outcome, 'duplicate');
}

/** Temporal answers "not found" for the workflow id: nothing was started under it. */
async function expectNoRun(workflowId: string) {
  await assert.rejects(stack.client.workflow.getHandle(workflowId).describe(), (err: Error) => err.name === 'WorkflowNotFoundError');
}

describe('presets, signed by the providers\' libraries', () => {
  test('stripe: accepted with the current secret; the expired one is refused', async () => {
    const id = uid('evt');
    const payload = JSON.stringify({ id, object: 'event', type: 'payment_intent.succeeded', data: { object: { amount: 10 } } });
    const sign = (secret: string) => ({ 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }) });
    await expectRejected(await post('stripe', payload, sign(SECRETS.STRIPE_WEBHOOK_SECRET_OLD)), 401, 'signature_invalid');
    await expectAcceptedAndRun(await post('stripe', payload, sign(SECRETS.STRIPE_WEBHOOK_SECRET)), `stripe-received:stripe:${id}`);
  });

  test('github: id from X-GitHub-Delivery, type from X-GitHub-Event and action', async () => {
    const delivery = randomBytes(16).toString('hex');
    const payload = JSON.stringify({ action: 'opened', issue: { number: 7 } });
    const signature = await (await octokit).sign(SECRETS.GITHUB_WEBHOOK_SECRET, payload);
    const headers = { 'x-github-delivery': delivery, 'x-github-event': 'issues', 'x-hub-signature-256': signature };
    const a = await post('github', payload, headers);
    assert.equal(a.body.eventType, 'issues.opened');
    await expectAcceptedAndRun(a, `github-received:github:${delivery}`);
    await expectRejected(await post('github', payload, { ...headers, 'x-github-delivery': '' }), 400, 'event_header_missing');
  });

  test('github: an event no flow wants is acknowledged and recorded as ignored', async () => {
    const payload = JSON.stringify({ action: 'closed', issue: { number: 7 } });
    const signature = await (await octokit).sign(SECRETS.GITHUB_WEBHOOK_SECRET, payload);
    const a = await post('github', payload, { 'x-github-delivery': uid('d'), 'x-github-event': 'issues', 'x-hub-signature-256': signature });
    assert.equal(a.status, 200);
    assert.equal(a.body.status, 'ignored');
    assert.equal((await recordOf(a))?.outcome, 'ignored');
  });

  test('shopify: base64 HMAC of the raw body; topic orders/create reads as orders.create', async () => {
    const webhookId = uid('wh');
    const payload = '{"id":820982911946154508,"email":"jon@example.com"}';
    const headers = { 'x-shopify-webhook-id': webhookId, 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(payload).digest('base64') };
    await expectAcceptedAndRun(await post('shopify', payload, headers), `shopify-received:shopify:${webhookId}`);
    await expectRejected(await post('shopify', payload.replace('jon', 'eve'), { ...headers, 'x-shopify-webhook-id': uid('wh') }), 401, 'signature_invalid');
  });

  // GitHub and Shopify sign the body, not the id or topic headers: a captured request re-sent
  // under a new id (and another topic) still verifies, and must still be a duplicate.
  test('github: the signed body re-sent under a new X-GitHub-Delivery is a duplicate; no second run', async () => {
    const payload = JSON.stringify({ action: 'opened', issue: { number: 8, title: uid('replayed') } });
    const signature = await (await octokit).sign(SECRETS.GITHUB_WEBHOOK_SECRET, payload);
    const first = randomBytes(16).toString('hex');
    const headers = { 'x-github-delivery': first, 'x-github-event': 'issues', 'x-hub-signature-256': signature };
    await expectAcceptedAndRun(await post('github', payload, headers), `github-received:github:${first}`);
    const second = randomBytes(16).toString('hex');
    const replayed = await post('github', payload, { ...headers, 'x-github-delivery': second });
    await expectDuplicateOf(replayed, `github-received:github:${first}`);
    await expectNoRun(`github-received:github:${second}`);
  });

  test('shopify: the signed body re-sent under a new X-Shopify-Webhook-Id and another topic is a duplicate; no second run', async () => {
    const payload = JSON.stringify({ id: Date.now(), email: `${uid('c')}@example.com` });
    const first = uid('wh');
    const headers = { 'x-shopify-webhook-id': first, 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(payload).digest('base64') };
    await expectAcceptedAndRun(await post('shopify', payload, headers), `shopify-received:shopify:${first}`);
    for (const topic of ['orders/create', 'orders/cancelled']) {
      const again = uid('wh');
      await expectDuplicateOf(await post('shopify', payload, { ...headers, 'x-shopify-webhook-id': again, 'x-shopify-topic': topic }), `shopify-received:shopify:${first}`);
      await expectNoRun(`shopify-received:shopify:${again}`);
    }
  });

  test('standard-webhooks: signed by the standardwebhooks library; a stale timestamp is refused', async () => {
    const msgId = uid('msg');
    const payload = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1' } });
    const headers = (at: Date) => ({ 'webhook-id': msgId, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(SECRETS.SVIX_WEBHOOK_SECRET).sign(msgId, at, payload) });
    await expectRejected(await post('svix', payload, headers(new Date(Date.now() - 600_000))), 401, 'signature_stale');
    await expectAcceptedAndRun(await post('svix', payload, headers(new Date())), `svix-received:svix:${msgId}`);
  });
});

describe('generic hmac source behind a trusted proxy, with an allowlist and limits', () => {
  const send = (body: object | string, headers: Record<string, string> = {}) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const time = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha512', SECRETS.PARTNER_SECRET).update(`v1:${time}:${raw}`).digest('base64');
    return post('partner', raw, { 'x-partner-time': time, 'x-partner-signature': signature, 'x-partner-delivery': uid('dl'), 'x-forwarded-for': '10.20.30.40', ...headers });
  };
  const shipped = { event: { kind: 'order.shipped' }, order: { id: 'o-1', shippedAt: '2026-11-23T10:00:00Z' } };

  test('accepted from an allowed client behind the proxy', async () => {
    const delivery = uid('dl');
    await expectAcceptedAndRun(await send(shipped, { 'x-partner-delivery': delivery }), `partner-received:partner:${delivery}`);
  });

  test('403 for a client outside the allowlist, and X-Forwarded-For ignored where no proxy is trusted', async () => {
    await expectRejected(await send(shipped, { 'x-forwarded-for': '203.0.113.5' }), 403, 'address_not_allowed');
    await expectRejected(await post('locked', '{}', { 'x-forwarded-for': '192.0.2.10', 'x-signature': 'x' }), 403, 'address_not_allowed');
  });

  test('413 past the source\'s body limit, 415 for a non-JSON type, 422 with the violations, 400 for broken JSON', async () => {
    await expectRejected(await send({ ...shipped, padding: 'x'.repeat(3000) }), 413, 'payload_too_large');
    await expectRejected(await send(shipped, { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    const bad = await send({ event: { kind: 'order.shipped' }, order: { shippedAt: 'yesterday' } });
    await expectRejected(bad, 422, 'schema_violation');
    assert.deepEqual(bad.body.error.violations.map((v: { path: string }) => v.path).sort(), ['/order', '/order/shippedAt']);
    await expectRejected(await send('{"event": {"kind": "order.shipped"}, '), 400, 'malformed_body');
  });

  test('a rejected request keeps only the start of its body (256 bytes when its signature failed)', async () => {
    const body = JSON.stringify({ ...shipped, padding: 'y'.repeat(1500) });
    const a = await send(body, { 'x-partner-signature': 'AAAA' });
    await expectRejected(a, 401, 'signature_invalid');
    const record = await recordOf(a);
    assert.deepEqual(record?.body, { text: body.slice(0, 256), encoding: 'utf8', bytes: body.length, truncated: true });
  });
});
