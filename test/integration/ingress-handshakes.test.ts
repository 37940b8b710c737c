// Provider handshakes through the real ingress: verified like any request, answered exactly as the
// provider requires, recorded as outcome "handshake", and no run started.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ROOT, startTestStack, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';
import { PROVIDER_ENV } from '../helpers/provider-keys';
import { expectAcceptedAndRun, expectHandshake, expectRejected, post, send } from '../helpers/provider-requests';

const FIXTURES = join(ROOT, 'test/fixtures/providers');
const SECRETS = PROVIDER_ENV;

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ sourcesDir: join(FIXTURES, 'sources'), flowsDir: join(FIXTURES, 'flows'), schemasDir: join(FIXTURES, 'schemas'), env: SECRETS });
});
after(async () => { await stack?.stop(); });

/** Slack's v0 scheme: hex HMAC-SHA256 of "v0:<timestamp>:<body>" (api.slack.com/authentication/verifying-requests-from-slack). */
function slackHeaders(body: string, secret = SECRETS.SLACK_SIGNING_SECRET, at = Math.floor(Date.now() / 1000)) {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${at}:${body}`).digest('hex')}`;
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(at) };
}

describe('Slack url_verification on a configured hmac source', () => {
  test('the challenge is echoed, recorded as a handshake, nothing runs; events still start runs', async () => {
    const challenge = randomBytes(24).toString('base64url');
    const body = JSON.stringify({ token: 'legacy', challenge, type: 'url_verification' });
    const a = await post(stack, 'slack-configured', body, slackHeaders(body));
    assert.deepEqual(a.body, { challenge });
    assert.match(a.contentType, /^application\/json/);
    await expectHandshake(stack, a, 'url_verification');

    const eventId = uid('Ev');
    const event = JSON.stringify({ type: 'event_callback', event_id: eventId, event: { type: 'app_mention', text: 'hi' } });
    await expectAcceptedAndRun(stack, await post(stack, 'slack-configured', event, slackHeaders(event)), `slack-configured-received:slack-configured:${eventId}`);
  });

  test('a handshake with a bad or stale signature is a 401 like any request', async () => {
    const body = JSON.stringify({ challenge: 'c', type: 'url_verification' });
    await expectRejected(stack, await post(stack, 'slack-configured', body, slackHeaders(body, 'wrong')), 401, 'signature_invalid');
    await expectRejected(stack, await post(stack, 'slack-configured', body, slackHeaders(body, undefined, Math.floor(Date.now() / 1000) - 600)), 401, 'signature_stale');
  });

  test('a url_verification without a challenge is refused with handshake_invalid', async () => {
    const body = JSON.stringify({ type: 'url_verification' });
    await expectRejected(stack, await post(stack, 'slack-configured', body, slackHeaders(body)), 400, 'handshake_invalid');
  });
});

describe('GET subscription check (hub.mode=subscribe)', () => {
  const check = (query: string, source = 'meta') => send(stack, 'GET', `/webhooks/${source}?${query}`, '', {});

  test('the right verify token gets hub.challenge back as plain text, recorded as a handshake', async () => {
    const challenge = String(1_000_000 + Math.floor(Math.random() * 1e6));
    const a = await check(`hub.mode=subscribe&hub.verify_token=${SECRETS.META_VERIFY_TOKEN}&hub.challenge=${challenge}`);
    assert.equal(a.text, challenge);
    assert.match(a.contentType, /^text\/plain/);
    await expectHandshake(stack, a, 'hub.subscribe');
  });

  test('a challenge that looks like HTML is echoed as plain text with nosniff, never as a page', async () => {
    const challenge = '<script>alert(1)</script>';
    const res = await fetch(`${stack.ingressUrl}/webhooks/meta?hub.mode=subscribe&hub.verify_token=${SECRETS.META_VERIFY_TOKEN}&hub.challenge=${encodeURIComponent(challenge)}`);
    assert.equal(await res.text(), challenge);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });

  test('a wrong or missing token is a 401; another mode or a source without the handshake is handshake_unknown', async () => {
    await expectRejected(stack, await check('hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1'), 401, 'signature_invalid');
    await expectRejected(stack, await check('hub.mode=subscribe&hub.challenge=1'), 401, 'signature_missing');
    await expectRejected(stack, await check(`hub.mode=unsubscribe&hub.verify_token=${SECRETS.META_VERIFY_TOKEN}&hub.challenge=1`), 400, 'handshake_unknown');
    await expectRejected(stack, await check(`hub.mode=subscribe&hub.verify_token=x&hub.challenge=1`, 'slack-configured'), 400, 'handshake_unknown');
    await expectRejected(stack, await check(`hub.mode=subscribe&hub.verify_token=${SECRETS.META_VERIFY_TOKEN}`), 400, 'handshake_invalid');
  });
});
