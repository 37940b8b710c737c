// Trust boundaries of outbound calls on the real stack (HTTP in, Temporal, the worker's
// http.request out): a flow that targets loopback, link-local or private addresses is refused by
// default and the loopback catcher receives nothing; a payload that names a secret never makes the
// worker send its value. Flows in test/fixtures/egress.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { startTestStack, ROOT, type TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { type FakeApi, startFakeApi } from '../helpers/fake-api';

const SECRET_VALUE = `worker-only-${uid('v')}`;
let stack: TestStack;
let catcher: FakeApi;
let allowed: FakeApi;
before(async () => {
  catcher = await startFakeApi(); // on loopback, not allowed: nothing may reach it
  allowed = await startFakeApi(); // on loopback, allowed by configuration
  const port = (api: FakeApi) => new URL(api.url).port;
  // The worker resolves secrets from its environment; HOOKFLOW_TEST_WORKER_SECRET is in it but no flow declares it.
  Object.assign(process.env, {
    EGRESS_LOOPBACK_URL: catcher.url, EGRESS_BY_NAME_URL: `http://localhost:${port(catcher)}`, EGRESS_ALLOWED_URL: allowed.url,
    HOOKFLOW_TEST_WORKER_SECRET: SECRET_VALUE,
  });
  stack = await startTestStack({ flowsDir: join(ROOT, 'test/fixtures/egress'), egressAllow: `127.0.0.1:${port(allowed)}` });
});
after(async () => {
  await stack?.stop();
  await catcher?.close();
  await allowed?.close();
});

/** Posts an event for one flow of the fixtures and waits for its run's end: its failure, or undefined. */
async function runOf(flow: string, data: Record<string, unknown> = {}): Promise<{ type?: string; message: string } | undefined> {
  const event = paymentSucceeded({ orderId: uid(`${flow}-`), items: [{ sku: 'S', quantity: 1 }] });
  Object.assign(event.data, data);
  assert.equal((await postEvent(stack.ingressUrl, event)).status, 202);
  try {
    await stack.client.workflow.getHandle(`${flow}:payments:${event.id}`).result();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof WorkflowFailedError, String(err));
    let cause = err.cause as { type?: string; message: string; cause?: unknown } | undefined;
    while (cause?.cause) cause = cause.cause as typeof cause;
    return { type: cause?.type, message: cause?.message ?? '' };
  }
}

test('http.request to loopback (by address, by name, IPv4-mapped), link-local metadata or a private address is refused, and the catcher receives nothing', async () => {
  const failures = await Promise.all(['ssrf-loopback', 'ssrf-by-name', 'ssrf-mapped', 'ssrf-metadata', 'ssrf-private'].map((flow) => runOf(flow)));
  for (const f of failures) {
    assert.equal(f?.type, 'EgressRefused', JSON.stringify(f));
    assert.match(f!.message, /is not a public address/);
  }
  assert.match(failures[1]!.message, /localhost resolves to/);
  assert.match(failures[3]!.message, /169\.254\.169\.254/);
  assert.equal(catcher.requests.length, 0, JSON.stringify(catcher.requests));
});

test('a payload value shaped like a secret reference is data: the worker never sends the secret it names', async () => {
  // The same flow with a plain note reaches the allowed API: the path works, and the note is a header.
  assert.equal(await runOf('echo-note', { note: 'hello' }), undefined);
  assert.equal(allowed.requests.at(-1)?.headers['x-note'], 'hello');
  const before = allowed.requests.length;
  const failure = await runOf('echo-note', { note: { secret: 'HOOKFLOW_TEST_WORKER_SECRET' } });
  assert.equal(failure?.type, 'InvalidArguments', JSON.stringify(failure));
  assert.match(failure!.message, /header "X-Note"/);
  assert.ok(!failure!.message.includes(SECRET_VALUE));
  assert.equal(allowed.requests.length, before, 'the step failed before sending anything');
  assert.ok(!JSON.stringify([...allowed.requests, ...catcher.requests]).includes(SECRET_VALUE), 'no request carried the value');
});
