// http.request against a real loopback server, in Temporal's mock activity environment:
// which statuses are retried, secrets resolved inside the activity, signing, idempotency key.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { httpActivities, type HttpResult } from '../../activities/http';
import { parseEgressAllow } from '../../lib/egress';
import { startFakeApi, type FakeApi } from '../helpers/fake-api';

let api: FakeApi;
before(async () => { api = await startFakeApi(); });
after(async () => { await api.close(); });

const secrets: Record<string, string> = { TOKEN: 'Bearer s3cr3t-value', SIGNING: 'k3y', BASE: '' };
const activities = httpActivities({ log: pino({ level: 'silent' }), secrets: (n) => secrets[n], egress: parseEgressAllow('127.0.0.1') });
const call = (args: Record<string, unknown>): Promise<HttpResult> => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(activities['http.request'], { args, idempotencyKey: 'wf-1/step' });

async function failure(args: Record<string, unknown>): Promise<ApplicationFailure> {
  try {
    await call(args);
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, String(err));
    return err;
  }
  assert.fail('expected a failure');
}

test('a POST sends JSON, the idempotency key, resolved secret headers and an HMAC signature', async () => {
  secrets.BASE = api.url;
  api.handler = () => ({ status: 201, body: { id: 'x1' }, headers: { 'x-request-id': 'req-7', 'set-cookie': ['session=abc; HttpOnly', 'csrf=def'] } });
  const res = await call({ method: 'POST', url: { secret: 'BASE' }, path: '/things', headers: { Authorization: { secret: 'TOKEN' }, 'X-Plain': 'p' }, body: { a: 1 }, sign: { secret: 'SIGNING', header: 'X-Sig' } });
  assert.equal(res.status, 201);
  assert.deepEqual(res.body, { id: 'x1' });
  assert.equal(res.headers['x-request-id'], 'req-7');
  // The output lands in the run's history: cookies the API sets stay out of it.
  assert.ok(!('set-cookie' in res.headers), JSON.stringify(res.headers));
  const req = api.requests.at(-1)!;
  assert.equal(req.path, '/things');
  assert.equal(req.body, '{"a":1}');
  assert.equal(req.headers.authorization, secrets.TOKEN);
  assert.equal(req.headers['x-plain'], 'p');
  assert.equal(req.headers['idempotency-key'], 'wf-1/step');
  assert.equal(req.headers['x-sig'], `sha256=${createHmac('sha256', 'k3y').update('{"a":1}').digest('hex')}`);
});

test('4xx fail without retry (but 408 and 429 retry), 5xx retry, expected statuses succeed', async () => {
  const status = (s: number) => { api.handler = () => ({ status: s, body: { error: 'e' } }); };
  status(404);
  let f = await failure({ url: `${api.url}/x` });
  assert.equal(f.nonRetryable, true);
  assert.equal(f.type, 'HttpClientError');
  for (const s of [408, 429, 503]) {
    status(s);
    f = await failure({ url: `${api.url}/x` });
    assert.equal(f.nonRetryable, false, `status ${s}`);
    assert.equal(f.type, 'HttpRetryableStatus');
  }
  status(409);
  assert.equal((await call({ url: `${api.url}/x`, expectStatus: [200, 409] })).status, 409);
});

test('a network error or timeout is retryable; a missing secret is named, its value never shown', async () => {
  let f = await failure({ url: 'http://127.0.0.1:1/unreachable' });
  assert.equal(f.type, 'HttpNetworkError');
  assert.equal(f.nonRetryable, false);
  // An API that does not answer within the step's timeout (it answers after 5 s, within the 10 s default).
  api.handler = () => ({ status: 200, body: { late: true }, delayMs: 5_000 });
  const before = api.requests.length;
  f = await failure({ url: `${api.url}/slow`, timeout: '200ms' });
  assert.equal(f.type, 'HttpNetworkError');
  assert.equal(f.nonRetryable, false);
  assert.match(f.message, /GET .*\/slow failed: .*(timeout|aborted)/i);
  assert.equal(api.requests.length, before + 1, 'the request reached the API');
  api.handler = () => ({ status: 200 });
  f = await failure({ url: 'file:///etc/passwd' });
  assert.equal(f.nonRetryable, true);
  assert.match(f.message, /must be an http or https URL/);
  f = await failure({ url: { secret: 'NOT_SET' } });
  assert.equal(f.nonRetryable, true);
  assert.match(f.message, /secret "NOT_SET" is not set/);
  api.handler = () => ({ status: 500, body: {} });
  f = await failure({ url: { secret: 'BASE' }, path: '/p', headers: { Authorization: { secret: 'TOKEN' } } });
  assert.ok(!f.message.includes(secrets.TOKEN) && !f.message.includes(api.url), f.message);
});
