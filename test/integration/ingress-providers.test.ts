// Every newer preset through the real ingress (HTTP → verification → delivery store → Temporal):
// a genuinely signed event is accepted and runs, a wrong key and a stale timestamp are 401, a
// redelivery is a duplicate. Signatures come from the provider's own library where one exists
// (twilio, svix; discord-interactions and @sendgrid/eventwebhook confirm Node's signatures),
// and from the documented scheme otherwise (Slack, Zoom, Paddle, Square). Twilio forms are read
// strictly: a repeated, unnamed or non-UTF-8 field is 400, though the signature matches.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes, randomUUID, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import twilio from 'twilio';
import { Webhook as Svix } from 'svix';
import { verifyKey } from 'discord-interactions';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { ROOT, startTestStack, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';
import { KEYS, PROVIDER_ENV as ENV } from '../helpers/provider-keys';
import { spawnFile } from '../helpers/spawn-file';
import { defaultPayloadConverter } from '@temporalio/common';
import type { FlowRunInput } from '../../engine/contract';
import { plainHistory } from '../helpers/plain-history';
import { type Answer, expectAcceptedAndRun, expectDuplicate, expectHandshake, expectRejected, post } from '../helpers/provider-requests';

const FIXTURES = join(ROOT, 'test/fixtures/providers');
let stack: TestStack;
before(async () => {
  stack = await startTestStack({ sourcesDir: join(FIXTURES, 'sources'), flowsDir: join(FIXTURES, 'flows'), schemasDir: join(FIXTURES, 'schemas'), env: ENV });
});
after(async () => { await stack?.stop(); });

const nowS = () => Math.floor(Date.now() / 1000);
const STALE = () => nowS() - 600;
const hex = (key: string, data: string) => createHmac('sha256', key).update(data).digest('hex');

interface Signed { headers: Record<string, string>; query?: string; contentType?: string }
interface Provider {
  source: string;
  /** A body for the event with this id, and the id the preset reads (header-borne ids are set by sign). */
  payload(id: string): string;
  sign(body: string, id: string, o: { wrongKey?: boolean; at?: number }): Signed | Promise<Signed>;
  stale: boolean;
}

const PROVIDERS: Provider[] = [
  {
    source: 'slack', stale: true,
    payload: (id) => JSON.stringify({ type: 'event_callback', event_id: id, event: { type: 'app_mention', text: '<@U1> hi', channel: 'C1' } }),
    sign: (body, _id, o) => {
      const at = o.at ?? nowS();
      return { headers: { 'x-slack-request-timestamp': String(at), 'x-slack-signature': `v0=${hex(o.wrongKey ? 'wrong' : ENV.SLACK_SIGNING_SECRET, `v0:${at}:${body}`)}` } };
    },
  },
  {
    source: 'zoom', stale: true,
    payload: () => JSON.stringify({ event: 'meeting.started', event_ts: Date.now(), payload: { account_id: 'a1', object: { id: '85', topic: 'standup' } } }),
    sign: (body, id, o) => {
      const at = o.at ?? nowS();
      return { headers: { 'x-zm-trackingid': id, 'x-zm-request-timestamp': String(at), 'x-zm-signature': `v0=${hex(o.wrongKey ? 'wrong' : ENV.ZOOM_SECRET_TOKEN, `v0:${at}:${body}`)}` } };
    },
  },
  {
    source: 'paddle', stale: true,
    payload: (id) => JSON.stringify({ event_id: id, event_type: 'transaction.completed', occurred_at: new Date().toISOString(), notification_id: uid('ntf'), data: { id: 'txn_1' } }),
    sign: (body, _id, o) => {
      const at = o.at ?? nowS();
      // Two h1 values, as while a secret is rotated: the current one matches.
      return { headers: { 'paddle-signature': `ts=${at};h1=${hex('previous', `${at}:${body}`)};h1=${hex(o.wrongKey ? 'wrong' : ENV.PADDLE_WEBHOOK_SECRET, `${at}:${body}`)}` } };
    },
  },
  {
    source: 'svix', stale: true,
    payload: () => JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1' } }),
    sign: (body, id, o) => {
      const at = new Date((o.at ?? nowS()) * 1000);
      const secret = o.wrongKey ? `whsec_${randomBytes(24).toString('base64')}` : ENV.SVIX_WEBHOOK_SECRET;
      return { headers: { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': new Svix(secret).sign(id, at, body) } };
    },
  },
  {
    source: 'twilio', stale: false,
    payload: () => new URLSearchParams({ MessageSid: uid('SM'), MessageStatus: 'delivered', To: '+15550100', From: '+15550101', AccountSid: 'AC1' }).toString(),
    sign: (body, id, o) => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const signature = twilio.getExpectedTwilioSignature(o.wrongKey ? 'wrong' : ENV.TWILIO_AUTH_TOKEN, 'https://hooks.example.com/webhooks/twilio', params);
      return { headers: { 'i-twilio-idempotency-token': id, 'x-twilio-signature': signature }, contentType: 'application/x-www-form-urlencoded' };
    },
  },
  {
    source: 'square', stale: false,
    payload: (id) => JSON.stringify({ merchant_id: 'M1', type: 'payment.updated', event_id: id, created_at: new Date().toISOString(), data: { type: 'payment', id: 'P1' } }),
    sign: (body, _id, o) => ({ headers: { 'x-square-hmacsha256-signature': createHmac('sha256', o.wrongKey ? 'wrong' : ENV.SQUARE_SIGNATURE_KEY).update(`https://hooks.example.com/webhooks/square${body}`).digest('base64') } }),
  },
  {
    source: 'discord', stale: true,
    payload: (id) => JSON.stringify({ id, type: 2, application_id: 'app1', token: 'tok', data: { name: 'hello' } }),
    sign: async (body, _id, o) => {
      const at = String(o.at ?? nowS());
      const key = o.wrongKey ? generateKeyPairSync('ed25519').privateKey : KEYS.discordPrivate;
      const signature = cryptoSign(null, Buffer.from(at + body), key).toString('hex');
      if (!o.wrongKey) assert.ok(await verifyKey(body, signature, at, KEYS.discordPublicHex), 'discord-interactions accepts the signature');
      return { headers: { 'x-signature-ed25519': signature, 'x-signature-timestamp': at } };
    },
  },
  {
    source: 'sendgrid', stale: true,
    payload: (id) => JSON.stringify([{ email: 'a@example.com', event: 'delivered', sg_event_id: id, sg_message_id: 'm1', timestamp: nowS() }, { email: 'b@example.com', event: 'open', sg_event_id: uid('sg'), timestamp: nowS() }]),
    sign: (body, _id, o) => {
      const at = String(o.at ?? nowS());
      const key: KeyObject = o.wrongKey ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey : KEYS.sendgridPrivate;
      const signature = cryptoSign('sha256', Buffer.from(at + body), key).toString('base64');
      if (!o.wrongKey) {
        const ew = new EventWebhook();
        assert.ok(ew.verifySignature(ew.convertPublicKeyToECDSA(KEYS.sendgridPublicBase64), body, signature, at), '@sendgrid/eventwebhook accepts the signature');
      }
      return { headers: { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': at } };
    },
  },
];

async function deliver(p: Provider, body: string, id: string, o: { wrongKey?: boolean; at?: number } = {}): Promise<Answer> {
  const signed = await p.sign(body, id, o);
  return post(stack, p.source, body, { ...(signed.contentType && { 'content-type': signed.contentType }), ...signed.headers }, signed.query);
}

describe('each preset: signed 202 and a run, wrong key 401, stale 401, redelivery 200 duplicate', () => {
  for (const p of PROVIDERS) {
    test(p.source, async () => {
      const id = p.source === 'discord' ? String(BigInt(`0x${randomBytes(7).toString('hex')}`)) : uid('evt');
      const body = p.payload(id);
      await expectRejected(stack, await deliver(p, body, id, { wrongKey: true }), 401, 'signature_invalid');
      if (p.stale) await expectRejected(stack, await deliver(p, body, id, { at: STALE() }), 401, 'signature_stale');
      const workflowId = `${p.source}-received:${p.source}:${id}`;
      await expectAcceptedAndRun(stack, await deliver(p, body, id), workflowId);
      await expectDuplicate(stack, await deliver(p, body, id), workflowId);
    });
  }
});

describe('presets with their handshakes built in', () => {
  test('slack: url_verification echoes the challenge', async () => {
    const slack = PROVIDERS.find((p) => p.source === 'slack')!;
    const challenge = randomUUID();
    const a = await deliver(slack, JSON.stringify({ token: 't', challenge, type: 'url_verification' }), '');
    assert.deepEqual(a.body, { challenge });
    await expectHandshake(stack, a, 'url_verification');
  });

  test('zoom: endpoint.url_validation answers plainToken and its HMAC; a bad signature is 401', async () => {
    const zoom = PROVIDERS.find((p) => p.source === 'zoom')!;
    const plainToken = randomBytes(16).toString('base64url');
    const body = JSON.stringify({ payload: { plainToken }, event_ts: Date.now(), event: 'endpoint.url_validation' });
    const a = await deliver(zoom, body, uid('trk'));
    assert.deepEqual(a.body, { plainToken, encryptedToken: hex(ENV.ZOOM_SECRET_TOKEN, plainToken) });
    await expectHandshake(stack, a, 'endpoint.url_validation');
    await expectRejected(stack, await deliver(zoom, body, uid('trk'), { wrongKey: true }), 401, 'signature_invalid');
  });

  test('discord: a signed PING gets {"type":1}; an unsigned one is 401', async () => {
    const discord = PROVIDERS.find((p) => p.source === 'discord')!;
    const body = JSON.stringify({ id: '1', type: 1, application_id: 'app1', version: 1 });
    const a = await deliver(discord, body, '1');
    assert.deepEqual(a.body, { type: 1 });
    await expectHandshake(stack, a, 'ping');
    await expectRejected(stack, await post(stack, 'discord', body, {}), 401, 'signature_missing');
  });
});

describe('twilio JSON bodies and svix under its own names', () => {
  test('twilio: a JSON body signed over the URL with ?bodySHA256=, validated by twilio\'s validateRequestWithBody', async () => {
    const body = JSON.stringify({ MessageStatus: 'delivered', MessageSid: uid('SM') });
    const query = `?bodySHA256=${twilio.getExpectedBodyHash(body)}`;
    const url = `https://hooks.example.com/webhooks/twilio${query}`;
    const signature = twilio.getExpectedTwilioSignature(ENV.TWILIO_AUTH_TOKEN, url, {});
    assert.ok(twilio.validateRequestWithBody(ENV.TWILIO_AUTH_TOKEN, signature, url, body));
    const id = uid('idem');
    await expectAcceptedAndRun(stack, await post(stack, 'twilio', body, { 'i-twilio-idempotency-token': id, 'x-twilio-signature': signature }, query), `twilio-received:twilio:${id}`);
    const tampered = body.replace('delivered', 'failed');
    await expectRejected(stack, await post(stack, 'twilio', tampered, { 'i-twilio-idempotency-token': uid('idem'), 'x-twilio-signature': signature }, query), 401, 'signature_invalid');
  });

  test('standard-webhooks reads webhook-* and svix-* on the same source, and each redelivery is a duplicate', async () => {
    const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_2' } });
    const id = uid('msg');
    const at = new Date();
    const signature = new Svix(ENV.SVIX_WEBHOOK_SECRET).sign(id, at, body);
    const t = String(Math.floor(at.getTime() / 1000));
    await expectAcceptedAndRun(stack, await post(stack, 'svix', body, { 'webhook-id': id, 'webhook-timestamp': t, 'webhook-signature': signature }), `svix-received:svix:${id}`);
    await expectDuplicate(stack, await post(stack, 'svix', body, { 'svix-id': id, 'svix-timestamp': t, 'svix-signature': signature }), `svix-received:svix:${id}`);
  });
});

describe('twilio forms are read strictly: the run gets exactly what the signature covered', () => {
  const URL = 'https://hooks.example.com/webhooks/twilio';
  const signedForm = (raw: string, params: Record<string, string | string[]>, id = uid('idem')) =>
    post(stack, 'twilio', raw, { 'content-type': 'application/x-www-form-urlencoded', 'i-twilio-idempotency-token': id, 'x-twilio-signature': twilio.getExpectedTwilioSignature(ENV.TWILIO_AUTH_TOKEN, URL, params) });

  test('a signed form runs with its fields as the body, one string each', async () => {
    const params = { MessageSid: uid('SM'), MessageStatus: 'delivered', To: '+15550100', Body: 'café & co = 100%' };
    const id = uid('idem');
    await expectAcceptedAndRun(stack, await signedForm(new URLSearchParams(params).toString(), params, id), `twilio-received:twilio:${id}`);
    const history = plainHistory(await stack.client.workflow.getHandle(`twilio-received:twilio:${id}`).fetchHistory());
    const input = defaultPayloadConverter.fromPayload<FlowRunInput>(history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0] as never);
    assert.deepEqual(input.event.body, params);
  });

  test('a repeated parameter is 400 malformed_body, though twilio\'s own validation accepts its signature', async () => {
    const params = { MessageSid: uid('SM'), MessageStatus: 'delivered', To: '+15550100' };
    const raw = `${new URLSearchParams(params)}&To=%2B15550100`;
    const sent = { ...params, To: ['+15550100', '+15550100'] };
    assert.ok(twilio.validateRequest(ENV.TWILIO_AUTH_TOKEN, twilio.getExpectedTwilioSignature(ENV.TWILIO_AUTH_TOKEN, URL, params), URL, sent), 'the original signature covers the copy');
    await expectRejected(stack, await signedForm(raw, params), 400, 'malformed_body');
    await expectRejected(stack, await signedForm(`${raw.replace('&To=%2B15550100', '')}&To=%2B15550199`, { ...params, To: ['+15550100', '+15550199'] }), 400, 'malformed_body');
  });

  test('a field that is not UTF-8 or has no name is 400 malformed_body; an unsigned one stays 401', async () => {
    const params = { MessageSid: uid('SM'), MessageStatus: 'delivered' };
    const base = new URLSearchParams(params).toString();
    await expectRejected(stack, await signedForm(`${base}&Body=%FF`, { ...params, Body: '\uFFFD' }), 400, 'malformed_body');
    await expectRejected(stack, await signedForm(`${base}&=x`, { ...params, '': 'x' }), 400, 'malformed_body');
    await expectRejected(stack, await signedForm(`${base}&To=1&To=1`, params), 401, 'signature_invalid');
  });
});

describe('hookflow send SOURCE --sample TYPE for every preset it can sign for', () => {
  const send = (source: string, type: string) =>
    spawnFile('bin/hookflow', ['send', source, '--sample', type, '--sources', join(FIXTURES, 'sources'), '--url', stack.ingressUrl], { ...process.env, ...ENV });

  for (const [source, type] of [['zoom', 'meeting.started'], ['paddle', 'transaction.completed'], ['svix', 'invoice.paid'], ['twilio', 'delivered'], ['square', 'payment.updated']] as const) {
    test(`${source}: samples/…/${type}.json signed as the provider signs, accepted, and its run completes`, async () => {
      const sent = await send(source, type);
      assert.equal(sent.code, 0, `${sent.stdout}${sent.stderr}`);
      const answer = JSON.parse(sent.stdout.slice(sent.stdout.indexOf('{')));
      assert.deepEqual([answer.status, answer.eventType], ['accepted', type]);
      assert.match(answer.runs[0].workflowId, new RegExp(`^${source}-received:${source}:`));
      await stack.client.workflow.getHandle(answer.runs[0].workflowId).result();
    });
  }

  test('discord and sendgrid: send says it cannot sign for a public-key scheme, and posts nothing', async () => {
    for (const [source, provider] of [['discord', 'Discord'], ['sendgrid', 'SendGrid']]) {
      const before = await stack.deliveries.collection.countDocuments({ source });
      const sent = await send(source!, 'anything');
      assert.equal(sent.code, 2, sent.stderr);
      assert.match(sent.stderr, new RegExp(`cannot sign for source ${source} \\(scheme ${source}\\): its file holds only the public key\\. ${provider} signs with`));
      assert.equal(await stack.deliveries.collection.countDocuments({ source }), before);
    }
  });
});
