// One event followed end to end with tracing on, against a real Jaeger receiving OTLP: the
// backend's query API shows ONE connected trace, webhook request (verify, parse and validate as
// its events, and store and start too) → the run → every step → its MongoDB write, its email, its outbound HTTP call, and the
// HTTP callee (a server of this test) saw that trace in `traceparent`. A provider's own
// traceparent becomes the request span's parent. The trace id is on the delivery record and in
// the run's memo.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type Tracing, startTracing } from '../../lib/tracing';
import { freePort } from '../../lib/net';
import { type Jaeger, JAEGER_TOOL, startJaeger } from '../../devstack/jaeger';
import { ensureTool } from '../../devstack/tools';
import { type TestStack, ROOT, startTestStack } from '../helpers/stack';
import { type FakeApi, startFakeApi } from '../helpers/fake-api';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

const SERVICE = 'hookflow-trace-test';

interface JaegerSpan { traceID: string; spanID: string; operationName: string; references: { refType: string; traceID: string; spanID: string }[]; tags: { key: string; value: unknown }[]; logs: { fields: { key: string; value: unknown }[] }[] }

let jaeger: Jaeger;
let tracing: Tracing;
let stack: TestStack;
let api: FakeApi;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hookflow-jaeger-'));
  jaeger = await startJaeger({ bin: ensureTool(JAEGER_TOOL), dataDir, ports: { otlpHttp: await freePort(), otlpGrpc: await freePort(), ui: await freePort(), queryGrpc: await freePort() } });
  // The standard variables, as a deployment sets them; the exporter reads them when tracing starts.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = jaeger.otlpEndpoint;
  process.env.OTEL_BSP_SCHEDULE_DELAY = '200';
  tracing = startTracing(SERVICE);
  api = await startFakeApi();
  process.env.TRACE_TEST_API_URL = api.url; // the worker reads secrets from its environment
  stack = await startTestStack({ flowsDir: join(ROOT, 'test/fixtures/tracing/flows'), tracing, env: { TRACE_TEST_API_URL: api.url } });
});

after(async () => {
  await stack?.stop();
  await api?.close();
  await tracing?.shutdown();
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete process.env.OTEL_BSP_SCHEDULE_DELAY;
  delete process.env.TRACE_TEST_API_URL;
  await jaeger?.process.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Sends one payment for a fresh order and waits for its run to complete. */
async function sendAndRun(headers: Record<string, string> = {}, pending = false) {
  const event = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'sku-1', quantity: 1 }] });
  const res = await postEvent(stack.ingressUrl, event, { headers });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.body.pending === true, pending, JSON.stringify(res.body));
  const workflowId = res.body.runs[0].workflowId as string;
  // A pending event's run exists once the relay has started it.
  if (pending) await waitFor(`the relay's start of ${workflowId}`, () => stack.client.workflow.getHandle(workflowId).describe().catch(() => undefined), { attempts: 150, intervalMs: 200 });
  await stack.client.workflow.getHandle(workflowId).result();
  const record = await stack.deliveries.collection.findOne({ _id: res.body.deliveryId });
  const memo = (await stack.client.workflow.getHandle(workflowId).describe()).memo as { traceId?: string };
  return { event, workflowId, record, memo, callee: api.requests.find((r) => r.path.endsWith(event.data.order_id))! };
}

/** The trace's spans once every name in `names` is there (spans arrive in batches). */
async function traceWith(traceId: string, names: string[]): Promise<JaegerSpan[]> {
  return waitFor(`trace ${traceId} with ${names.join(', ')}`, async () => {
    await tracing.flush();
    const res = await fetch(`${jaeger.uiUrl}/api/traces/${traceId}`);
    if (!res.ok) return undefined;
    const spans = ((await res.json()) as { data: { spans: JaegerSpan[] }[] }).data[0]?.spans ?? [];
    const have = new Set(spans.map((s) => s.operationName));
    return names.every((n) => have.has(n)) ? spans : undefined;
  }, { attempts: 150, intervalMs: 200 });
}

const parentOf = (span: JaegerSpan) => span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
const named = (spans: JaegerSpan[], name: string) => spans.filter((s) => s.operationName === name);
const tag = (span: JaegerSpan, key: string) => span.tags.find((t) => t.key === key)?.value;

/** Operation names from `span` up to its trace's root. */
function ancestry(spans: JaegerSpan[], span: JaegerSpan): string[] {
  const byId = new Map(spans.map((s) => [s.spanID, s]));
  const path: string[] = [];
  for (let s: JaegerSpan | undefined = span; s; s = byId.get(parentOf(s) ?? '')) path.push(s.operationName);
  return path;
}

const STEPS = ['mongo.updateOne', 'email.send', 'http.request'];
const EXPECTED = [
  'POST /webhooks/payments', 'RunWorkflow:runFlow',
  ...STEPS.flatMap((s) => [`StartActivity:${s}`, `RunActivity:${s}`]), 'updateOne orders', 'smtp send', 'POST',
];

test('one event makes one connected trace: ingress, run, every step, its effects, and the callee got the trace', async () => {
  const { event, workflowId, record, memo, callee } = await sendAndRun();
  // The callee saw a traceparent: the trace everything else is looked up by.
  const traceparent = String(callee.headers.traceparent ?? '');
  const [, traceId, calleeParent] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(traceparent) ?? [];
  assert.ok(traceId, `the outbound call carries a W3C traceparent, got ${JSON.stringify(traceparent)}`);
  assert.equal(record?.traceId, traceId, 'the delivery record names the trace');
  assert.equal(memo.traceId, traceId, "the run's memo names the trace");

  // Found by what on-call knows: the event id.
  const search = await waitFor('the trace found by event id', async () => {
    await tracing.flush();
    const tags = encodeURIComponent(JSON.stringify({ 'hookflow.event.id': event.id }));
    const found = (await (await fetch(`${jaeger.uiUrl}/api/traces?service=${SERVICE}&tags=${tags}`)).json()) as { data: { traceID: string }[] };
    return found.data.length ? found.data : undefined;
  }, { attempts: 150, intervalMs: 200 });
  assert.deepEqual(search.map((t) => t.traceID), [traceId], 'exactly one trace for the event');

  const spans = await traceWith(traceId, EXPECTED);
  assert.ok(spans.every((s) => s.traceID === traceId));
  // Connected: one root, the webhook request (no provider parent here); every other span's parent is in the trace.
  const ids = new Set(spans.map((s) => s.spanID));
  const roots = spans.filter((s) => !parentOf(s));
  assert.deepEqual(roots.map((s) => s.operationName), ['POST /webhooks/payments']);
  assert.deepEqual(spans.filter((s) => parentOf(s) && !ids.has(parentOf(s)!)).map((s) => s.operationName), [], 'no span hangs off a parent outside the trace');

  const request = roots[0];
  assert.equal(tag(request, 'hookflow.event.id'), event.id);
  assert.equal(tag(request, 'hookflow.source'), 'payments');
  assert.ok(String(tag(request, 'hookflow.workflow.id')).includes(workflowId), 'the request names the runs it started');
  const events = request.logs.map((l) => Object.fromEntries(l.fields.map((f) => [f.key, f.value])));
  assert.deepEqual(events.map((e) => e.event), ['verify', 'parse', 'validate', 'store', 'start'], "the ingress's stages are the request span's events");
  assert.ok(events.every((e) => typeof e['hookflow.duration_ms'] === 'number'), 'each with its duration');
  // The start writes the request's context into the run's header, without a span of its own.
  const run = named(spans, 'RunWorkflow:runFlow')[0];
  assert.deepEqual(ancestry(spans, run), ['RunWorkflow:runFlow', 'POST /webhooks/payments']);
  assert.equal(tag(run, 'temporalWorkflowId'), workflowId);
  for (const step of STEPS) assert.deepEqual(ancestry(spans, named(spans, `RunActivity:${step}`)[0]).slice(1, 3), [`StartActivity:${step}`, 'RunWorkflow:runFlow'], `${step} runs under the run`);
  assert.equal(ancestry(spans, named(spans, 'updateOne orders')[0])[1], 'RunActivity:mongo.updateOne');
  assert.equal(ancestry(spans, named(spans, 'smtp send')[0])[1], 'RunActivity:email.send');
  const call = named(spans, 'POST')[0];
  assert.equal(ancestry(spans, call)[1], 'RunActivity:http.request');
  assert.equal(calleeParent, call.spanID, "the callee's parent span is the outbound call's span");
});

test("a provider's traceparent is the parent of the request's span, and the run joins the provider's trace", async () => {
  const providerTrace = randomBytes(16).toString('hex');
  const providerSpan = randomBytes(8).toString('hex');
  const { record, callee } = await sendAndRun({ traceparent: `00-${providerTrace}-${providerSpan}-01`, tracestate: 'provider=1' });
  assert.equal(record?.traceId, providerTrace);
  assert.match(String(callee.headers.traceparent), new RegExp(`^00-${providerTrace}-`));
  assert.equal(callee.headers.tracestate, 'provider=1', 'tracestate travels with it');
  const spans = await traceWith(providerTrace, ['POST /webhooks/payments', 'RunWorkflow:runFlow', 'POST']);
  assert.equal(parentOf(named(spans, 'POST /webhooks/payments')[0]), providerSpan);
});

test("an event the relay starts later stays in its request's trace: request → relay start → run", async () => {
  let failures = 0;
  stack.faults.beforeStart = async () => {
    if (failures++ === 0) throw new Error('Temporal unreachable (test)'); // the request's start only
  };
  try {
    const { record, workflowId } = await sendAndRun({}, true);
    assert.ok(record?.traceId, 'the stored record names its trace');
    const spans = await traceWith(record!.traceId!, ['POST /webhooks/payments', 'relay start', 'RunWorkflow:runFlow', 'POST']);
    const run = named(spans, 'RunWorkflow:runFlow')[0];
    assert.deepEqual(ancestry(spans, run), ['RunWorkflow:runFlow', 'relay start', 'POST /webhooks/payments']);
    assert.equal(tag(run, 'temporalWorkflowId'), workflowId);
    const request = named(spans, 'POST /webhooks/payments')[0];
    const start = request.logs.map((l) => Object.fromEntries(l.fields.map((f) => [f.key, f.value]))).find((e) => e.event === 'start');
    assert.equal(start?.error, 'Temporal unreachable (test)', "the request's start event holds the failure");
  } finally {
    delete stack.faults.beforeStart;
  }
});
