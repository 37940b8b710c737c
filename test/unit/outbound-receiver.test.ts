// hookflow receiver (cli/receiver.ts) verifies what hookflow's outbound signing produces
// (activities/outbound-signing.ts), for both schemes and during a rotation, and refuses a body
// changed on the way or a signature of another secret. Real HTTP on loopback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { type Receiver, startReceiver } from '../../cli/receiver';
import { deliverySignature, signingKey } from '../../activities/outbound-signing';

const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;
const oldSecret = whsec();
const newSecret = whsec();
let standard: Receiver;
let hmac: Receiver;
before(async () => {
  standard = await startReceiver({ host: '127.0.0.1', port: 0, scheme: 'standard-webhooks', secrets: [oldSecret], status: 204 });
  hmac = await startReceiver({ host: '127.0.0.1', port: 0, scheme: 'hookflow-hmac', secrets: ['hmac-secret'], status: 200 });
});
after(async () => { await standard?.close(); await hmac?.close(); });

const body = JSON.stringify({ type: 'order.paid', timestamp: new Date().toISOString(), data: { order_id: 'o1' } });
const now = () => Math.floor(Date.now() / 1000);
const post = (url: string, headers: Record<string, string>, text = body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });

test('a Standard Webhooks delivery signed with the new and the old secret verifies with the old one, as the standardwebhooks library agrees', async () => {
  const headers = deliverySignature('standard-webhooks', [newSecret, oldSecret].map((s) => signingKey('standard-webhooks', s)), 'msg_1', now(), body);
  assert.equal(headers['webhook-signature'].split(' ').length, 2);
  new Webhook(oldSecret).verify(body, headers);
  new Webhook(newSecret).verify(body, headers);
  const res = await post(standard.url, headers);
  assert.equal(res.status, 204);
  const arrival = standard.arrivals.at(-1)!;
  assert.equal(arrival.verified, true);
  assert.equal(arrival.id, 'msg_1');
  assert.deepEqual(arrival.body, JSON.parse(body));
  const listed = (await (await fetch(standard.url)).json()) as { id: string }[];
  assert.ok(listed.some((a) => a.id === 'msg_1'));
});

test('a changed body, or a signature of another secret only, is refused with 401 and shown as refused', async () => {
  const headers = deliverySignature('standard-webhooks', [signingKey('standard-webhooks', oldSecret)], 'msg_2', now(), body);
  assert.equal((await post(standard.url, headers, body.replace('o1', 'o2'))).status, 401);
  assert.equal(standard.arrivals.at(-1)!.verified, false);
  const other = deliverySignature('standard-webhooks', [signingKey('standard-webhooks', newSecret)], 'msg_3', now(), body);
  assert.equal((await post(standard.url, other)).status, 401);
  assert.match(standard.arrivals.at(-1)!.refused ?? '', /signature/i);
});

test('hookflow\'s HMAC scheme verifies with its secret and refuses a stale timestamp', async () => {
  const key = [signingKey('hookflow-hmac', 'hmac-secret')];
  assert.equal((await post(hmac.url, deliverySignature('hookflow-hmac', key, 'msg_4', now(), body))).status, 200);
  assert.equal(hmac.arrivals.at(-1)!.verified, true);
  assert.equal((await post(hmac.url, deliverySignature('hookflow-hmac', key, 'msg_5', now() - 3600, body))).status, 401);
  assert.equal(hmac.arrivals.at(-1)!.verified, false);
});
