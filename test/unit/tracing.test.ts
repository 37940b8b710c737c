// lib/tracing.ts: off unless an OTLP endpoint (or HOOKFLOW_TRACING=1) is set; off, the SDK is not
// even loaded and spans are plain calls; on, every log line written inside a span carries its
// trace id, and a caller's traceparent is the parent. (The whole trace, through Temporal and a
// real Jaeger: test/integration/tracing.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { contextFromHeaders, currentTraceId, currentTraceparent, injectTraceHeaders, startTracing, traceCarrier, tracingOn, tracingWanted, withEvent, withSpan, withTimedEvent } from '../../lib/tracing';
import { randomId } from '../../workflows/tracing';
import { createLogger } from '../../lib/logger';

function capture() {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', pretty: false, name: 'test' }, { write: (s: string) => { lines.push(s); } });
  return { log, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

test('tracing is off by default; an OTLP endpoint or HOOKFLOW_TRACING=1 turns it on; the standard off switches win', () => {
  assert.equal(tracingWanted({}), false);
  assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), true);
  assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }), true);
  assert.equal(tracingWanted({ HOOKFLOW_TRACING: '1' }), true);
  assert.equal(tracingWanted({ HOOKFLOW_TRACING: '1', OTEL_SDK_DISABLED: 'true' }), false);
  assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_TRACES_EXPORTER: 'none' }), false);
});

test('off: no SDK module is loaded, spans only call through, nothing is added to headers or log lines', async () => {
  assert.equal(tracingOn(), false);
  const { log, parsed } = capture();
  const promise = Promise.resolve(7);
  assert.equal(withSpan('x', {}, () => promise), promise, 'the function\'s own promise, no extra turn');
  await assert.rejects(withSpan('x', {}, () => { throw new Error('boom'); }), /boom/);
  assert.equal(withEvent('x', () => 4), 4);
  assert.equal(withTimedEvent('x', () => promise), promise, 'a timed event too: the function\'s own promise');
  await assert.rejects(withTimedEvent('x', () => { throw new Error('sync'); }), /sync/);
  assert.equal(traceCarrier(), undefined);
  const headers: Record<string, string> = {};
  injectTraceHeaders(headers);
  assert.deepEqual(headers, {});
  await withSpan('x', {}, async () => log.info('inside'));
  assert.equal(parsed()[0].traceId, undefined);
  assert.equal(currentTraceId(), undefined);
  const loaded = Object.keys(require.cache).filter((f) => /@opentelemetry[\\/](sdk-trace|exporter|resources)/.test(f));
  assert.deepEqual(loaded, [], 'tracing off loads none of the SDK');
});

test('on: lines inside a span carry its trace id, lines outside none; a traceparent given is the parent', async () => {
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://127.0.0.1:9'; // nothing listens: exports fail quietly
  const tracing = startTracing('unit');
  try {
    const { log, parsed } = capture();
    log.info('outside');
    const traceId = await withSpan('outer', {}, async () => {
      log.info('inside');
      return withSpan('inner', {}, async () => { log.info('nested'); return currentTraceId(); });
    });
    const [outside, inside, nested] = parsed();
    assert.equal(outside.traceId, undefined);
    assert.match(String(traceId), /^[0-9a-f]{32}$/);
    assert.equal(inside.traceId, traceId);
    assert.equal(nested.traceId, traceId);

    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const child = await withSpan('request', {}, async () => currentTraceparent(), { parent: contextFromHeaders({ traceparent: parent }) });
    assert.match(String(child), /^00-0af7651916cd43dd8448eb211c80319c-(?!b7ad6b7169203331)[0-9a-f]{16}-01$/, 'same trace, a span of its own');
    // Short steps are events on the active span, with their duration and error.
    const events = await withSpan('request', {}, async (span) => {
      withEvent('verify', () => 1);
      assert.throws(() => withEvent('parse', () => { throw new Error('bad json'); }), /bad json/);
      // Awaited stages too, when they settle; still the same active span (no child).
      assert.equal(await withTimedEvent('store', async () => { await new Promise((r) => setImmediate(r)); return trace.getActiveSpan(); }), span);
      await assert.rejects(withTimedEvent('start', async () => { throw new Error('temporal down'); }), /temporal down/);
      assert.equal(trace.getActiveSpan(), span);
      return (span as unknown as { events: { name: string; attributes: Record<string, unknown> }[] }).events;
    });
    assert.deepEqual(events.map((e) => e.name), ['verify', 'parse', 'store', 'start']);
    assert.ok(events.every((e) => typeof e.attributes['hookflow.duration_ms'] === 'number'));
    assert.equal(events[1].attributes.error, 'bad json');
    assert.equal(events[3].attributes.error, 'temporal down');
    assert.equal(traceCarrier(), undefined, 'no header outside a span');
    const carried = await withSpan('start', {}, async () => traceCarrier(), { parent: contextFromHeaders({ traceparent: parent, tracestate: 'p=1' }) });
    assert.match(String(carried?.traceparent), /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    assert.equal(carried?.tracestate, 'p=1');
    const out: Record<string, string> = {};
    await withSpan('call', {}, async () => injectTraceHeaders(out), { parent: contextFromHeaders({ traceparent: parent }) });
    assert.match(out.traceparent, /^00-0af7651916cd43dd8448eb211c80319c-/);
  } finally {
    await Promise.race([tracing.shutdown(), new Promise((r) => setTimeout(r, 2000).unref())]);
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  }
});

test("the workflow sandbox's span ids are drawn from Math.random as OpenTelemetry's generator drew them there", () => {
  // workflows/tracing.ts replaced the SDK in the sandbox: a run started under it continues with the same random sequence.
  const { RandomIdGenerator } = require('@opentelemetry/sdk-trace-base/build/esm/platform/browser/RandomIdGenerator.js') as { RandomIdGenerator: new () => { generateSpanId(): string; generateTraceId(): string } };
  const seeded = () => {
    let x = 7;
    return () => ((x = (x * 48271) % 2147483647) / 2147483647);
  };
  const real = Math.random;
  try {
    Math.random = seeded();
    const sdk = [new RandomIdGenerator().generateSpanId(), new RandomIdGenerator().generateTraceId(), Math.random()];
    Math.random = seeded();
    const ours = [randomId(8), randomId(16), Math.random()];
    assert.deepEqual(ours, sdk, 'the same ids, and the same draws left for the workflow');
  } finally {
    Math.random = real;
  }
});
