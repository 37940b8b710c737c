// What the ingress's own tracing calls cost per request, apart from everything else a request does
// (issue 28): the span sites of a webhook request (the request span, its verify/parse/validate/
// store/start events, the start's trace header, the trace id and traceparent read for the delivery record) run
// 20,000 times in one process, with tracing `on` (exporting over OTLP/HTTP to a loopback sink
// that discards), `off` (the same calls, tracing not started), or `none` (the work without the
// calls: the code before tracing). Prints CPU microseconds per request; compare with the ingress's
// CPU per event in `BENCH_CASES=tracing npm run bench`.
//   node --import tsx bench/tracing-micro.ts none|off|on
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, annotate, contextFromHeaders, currentTraceId, currentTraceparent, startTracing, traceCarrier, withEvent, withSpan, withTimedEvent } from '../lib/tracing';

const mode = process.argv[2] ?? 'off';
const N = 20_000;
const turn = () => new Promise((r) => setImmediate(r)); // stands in for the MongoDB insert and the Temporal start

async function traced(): Promise<void> {
  await withSpan('POST /webhooks/payments', { 'http.request.method': 'POST', 'hookflow.source': 'payments' }, async () => {
    withEvent('verify', () => 1);
    withEvent('parse', () => 2);
    annotate({ 'hookflow.event.id': 'evt_1', 'hookflow.event.type': 'payment.succeeded' });
    withEvent('validate', () => 3);
    currentTraceId();
    currentTraceparent();
    await withTimedEvent('store', turn);
    await withTimedEvent('start', async () => {
      traceCarrier(); // the start's _tracer-data header
      await turn();
    });
  }, { kind: SpanKind.SERVER, parent: contextFromHeaders({}) });
}

async function plain(): Promise<void> {
  await turn();
  await turn();
}

async function main(): Promise<void> {
  let bytes = 0;
  const sink = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => { bytes += c.length; });
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const tracing = mode === 'on' ? startTracing('tracing-micro') : undefined;
  const one = mode === 'none' ? plain : traced;
  for (let i = 0; i < N / 10; i++) await one(); // warm-up
  await tracing?.flush(); // the exporter's first export loads modules: not counted
  const before = process.cpuUsage();
  for (let i = 0; i < N; i++) await one();
  await tracing?.flush();
  const used = process.cpuUsage(before);
  console.log(`${mode}: ${((used.user + used.system) / N).toFixed(1)} µs CPU per request, ${(bytes / N).toFixed(0)} bytes of OTLP per request`);
  await tracing?.shutdown();
  sink.close();
}

void main();
