// Case `outbound`: outbound webhooks (issue 29) against the physical limit, in one run.
// (1) Events published by a flow to 3 loopback receivers: deliveries/s and the worker's CPU per
//     delivery, against a plain Node loop (keep-alive agent) posting the same bodies, Standard
//     Webhooks signed, to the same receivers.
// (2) The healthy destinations' p99 delivery latency (event posted to body received) while a 4th
//     destination answers after 2 s, against their p99 without it; the two sides take turns,
//     paced at half the capacity measured in (1). A third side has a 4th destination that answers
//     at once: the same delivery count as with the slow one, so slowness is told apart from load.
// Flows and destinations are written to a temporary folder; receivers run in this process.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { type BenchContext, figures } from './context';
import { cpuMeter } from './cpu';
import { httpEventSender } from './http-load';
import { roundOrder, runLanes } from './lanes';
import { type BenchChild, startIngress, startWorker } from './processes';
import { type Row, row } from './report';
import { type LatencySummary, ratePerSecond, summarizeLatencies } from './stats';

const SLOW_MS = 2000;
/** OBH: 3 healthy destinations; OBF: plus a 4th answering at once (the control); OBS: plus a 4th answering in SLOW_MS. */
type Label = 'OBH' | 'OBF' | 'OBS';
const KEY = `whsec_${randomBytes(24).toString('base64')}`;

interface Receiver { url: string; server: Server; got: { body: string; at: number }[] }

async function receiver(delayMs = 0): Promise<Receiver> {
  const got: Receiver['got'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ body: Buffer.concat(chunks).toString('utf8'), at: performance.now() });
      const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      if (delayMs) setTimeout(answer, delayMs); else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, server, got };
}

const destination = (name: string, url: string, events: string) => `name: ${name}\nurl: ${url}\nevents: [${events}]\nsigning:\n  secrets: [OUTBOUND_BENCH_KEY]\n`;
// Order ids carry the batch tag; upper-case labels never occur in the base-36 run id.
const flow = (name: string, label: string, type: string) => `name: ${name}\ntrigger:\n  source: payments\n  events: [payment.succeeded]\n  filter: $contains(event.body.data.order_id, '${label}')\nsteps:\n  - id: publish\n    uses: webhook.publish\n    with:\n      type: ${type}\n      data:\n        order_id: "{{ event.body.data.order_id }}"\n        amount: "{{ event.body.data.amount }}"\n`;

export interface OutboundResults {
  deliveries: number;
  hookflow: { perSec: number; workerCpuMsPerDelivery: number };
  plainLoop: { perSec: number; cpuMsPerDelivery: number };
  latency: { healthyOnly: LatencySummary; withFast: LatencySummary; withSlow: LatencySummary; events: number; ratePerSec: number; slowMs: number };
}

export async function outboundCase(ctx: BenchContext): Promise<OutboundResults> {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-bench-outbound-'));
  const healthy = await Promise.all([receiver(), receiver(), receiver()]);
  const slow = await receiver(SLOW_MS);
  const fourth = await receiver(); // control: a 4th destination that answers at once
  let ingress: BenchChild | undefined;
  let worker: BenchChild | undefined;
  try {
    const flowsDir = join(dir, 'flows');
    const destDir = join(dir, 'destinations');
    mkdirSync(flowsDir);
    mkdirSync(destDir);
    writeFileSync(join(flowsDir, 'healthy-only.yaml'), flow('bench-outbound-healthy', 'OBH', 'bench.healthy'));
    writeFileSync(join(flowsDir, 'with-slow.yaml'), flow('bench-outbound-slow', 'OBS', 'bench.withslow'));
    writeFileSync(join(flowsDir, 'with-fast.yaml'), flow('bench-outbound-fast', 'OBF', 'bench.withfast'));
    healthy.forEach((r, i) => writeFileSync(join(destDir, `healthy-${i}.yaml`), destination(`healthy-${i}`, r.url, 'bench.*')));
    writeFileSync(join(destDir, 'slow.yaml'), destination('slow', slow.url, 'bench.withslow'));
    writeFileSync(join(destDir, 'fourth.yaml'), destination('fourth', fourth.url, 'bench.withfast'));
    const env = { HOOKFLOW_FLOWS_DIR: flowsDir, HOOKFLOW_DESTINATIONS_DIR: destDir, HOOKFLOW_EGRESS_ALLOW: '127.0.0.1', OUTBOUND_BENCH_KEY: KEY };
    const opts = { ...ctx.child('bench-outbound'), env };
    [ingress, worker] = await Promise.all([startIngress(opts), startWorker('worker/main.ts', opts, ctx.client)]);
    const max = ctx.options.maxSeconds * 1000;
    const events = Math.max(10, Math.round(ctx.options.e2eEvents / 5));
    let delivered = 0; // deliveries expected so far, across batches
    const batch = async (label: Label, count: number, ratePerSec?: number) => {
      const tag = ctx.tag(label);
      const sentAt = new Map<string, number>();
      const sender = httpEventSender([ingress!.url!], tag, ctx.options.connections);
      const send = (i: number) => { sentAt.set(`ord_${tag}_${i}`, performance.now()); return sender.send(i); };
      const began = performance.now();
      const lanes = figures(await runLanes({ count, concurrency: ctx.options.connections, ratePerSec, maxMs: max, send }));
      sender.close();
      delivered += lanes.accepted * (label === 'OBH' ? 3 : 4);
      const until = performance.now() + max;
      const all = () => [...healthy, slow, fourth].reduce((n, r) => n + r.got.length, 0);
      while (all() < delivered && performance.now() < until) await new Promise((r) => setTimeout(r, 100));
      if (all() < delivered) throw new Error(`outbound: ${all()} of ${delivered} deliveries arrived within ${ctx.options.maxSeconds} s`);
      const mine = healthy.flatMap((r) => r.got.filter((g) => g.body.includes(tag)));
      const latencies = mine.map((g) => g.at - sentAt.get(JSON.parse(g.body).data.order_id)!);
      return { tag, began, lastAt: Math.max(...mine.map((g) => g.at)), latencies, bodies: mine };
    };

    // (1) Throughput: warm up, then one burst, timed from the first post to the last delivery.
    ctx.say(`case outbound: ${events} events to 3 receivers (${events * 3} deliveries), then the same bodies from a plain loop`);
    await batch('OBH', 10);
    const stop = cpuMeter({ worker: () => [worker!.pid], ingress: () => [ingress!.pid] });
    const burst = await batch('OBH', events);
    const used = stop();
    const n = burst.bodies.length;
    const hookflow = { perSec: ratePerSecond(n, burst.lastAt - burst.began), workerCpuMsPerDelivery: used.worker / n };
    const plainLoop = await plainLoopSend(healthy, burst.bodies.map((b, i) => ({ url: healthy[i % 3].url, body: b.body })), ctx.options.connections, max);
    ctx.say(`  outbound: hookflow ${hookflow.perSec.toFixed(1)} deliveries/s, worker CPU ${hookflow.workerCpuMsPerDelivery.toFixed(1)} ms per delivery (ingress ${(used.ingress / n).toFixed(1)}); plain loop ${plainLoop.perSec.toFixed(0)}/s, ${plainLoop.cpuMsPerDelivery.toFixed(2)} ms`);

    // (2) Latency with and without the slow destination, paced, sides taking turns.
    // Half the measured capacity (4 deliveries per event with the slow one): a p99 of the
    // destinations, not of a queue the paced load itself builds up.
    const rate = Math.max(0.25, Math.round((hookflow.perSec / 8) * 4) / 4);
    const lat: Record<Label, number[]> = { OBH: [], OBF: [], OBS: [] };
    const rounds = ctx.options.rounds; // BENCH_ROUNDS (4): more samples per side, and each side in every part of the run
    ctx.say(`case outbound: healthy p99 with and without a destination answering after ${SLOW_MS} ms, ${rounds} rounds of ${events / 2} events at ${rate}/s each (half the measured capacity)`);
    for (let r = 0; r < rounds; r++) for (const label of roundOrder(['OBH', 'OBF', 'OBS'] as const, r)) lat[label].push(...(await batch(label, Math.round(events / 2), rate)).latencies);
    const latency = { healthyOnly: summarizeLatencies(lat.OBH), withFast: summarizeLatencies(lat.OBF), withSlow: summarizeLatencies(lat.OBS), events: rounds * Math.round(events / 2), ratePerSec: rate, slowMs: SLOW_MS };
    ctx.say(`  outbound: healthy p99 ${latency.withSlow.p99.toFixed(0)} ms with the slow one, ${latency.withFast.p99.toFixed(0)} ms with a fast 4th, ${latency.healthyOnly.p99.toFixed(0)} ms with 3 (p50 ${latency.withSlow.p50.toFixed(0)}, ${latency.withFast.p50.toFixed(0)}, ${latency.healthyOnly.p50.toFixed(0)})`);
    return { deliveries: n, hookflow, plainLoop, latency };
  } finally {
    await Promise.all([ingress?.stop(), worker?.stop()]);
    for (const r of [...healthy, slow, fourth]) { r.server.closeAllConnections(); r.server.close(); }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The physical limit: the same bodies, freshly signed (Standard Webhooks), posted over keep-alive. */
async function plainLoopSend(receivers: Receiver[], items: { url: string; body: string }[], connections: number, maxMs: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections, scheduling: 'fifo' });
  const wh = new Webhook(KEY);
  const send = (i: number) => new Promise<number>((resolve, reject) => {
    const { url, body } = items[i];
    const id = `msg_plain_${i}`;
    const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'webhook-id': id, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': wh.sign(id, new Date(), body) };
    const req = request(url, { method: 'POST', agent, headers, timeout: 10_000 }, (res) => { res.resume(); res.once('end', () => resolve(res.statusCode ?? 0)); });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', reject);
    req.end(body);
  });
  const before = receivers.reduce((k, r) => k + r.got.length, 0);
  const cpu = process.cpuUsage();
  const f = figures(await runLanes({ count: items.length, concurrency: connections, maxMs, send }));
  const c = process.cpuUsage(cpu);
  agent.destroy();
  if (receivers.reduce((k, r) => k + r.got.length, 0) - before !== f.accepted) throw new Error('outbound: plain loop answers and arrivals differ');
  // This process also runs the receivers: the loop's CPU here includes theirs (an overestimate).
  return { perSec: f.ratePerSec, cpuMsPerDelivery: (c.user + c.system) / 1000 / f.accepted };
}

export function outboundRows(o?: OutboundResults): Row[] {
  if (!o) return [];
  return [
    row('outbound', 'deliveries/s to 3 receivers, hookflow vs plain keep-alive loop', o.hookflow.perSec, o.plainLoop.perSec),
    row('outbound', 'CPU ms per delivery, hookflow worker vs plain loop (with receivers)', o.hookflow.workerCpuMsPerDelivery, o.plainLoop.cpuMsPerDelivery),
    row('outbound', `healthy p99 ms, a 4th destination answering in ${o.latency.slowMs / 1000} s vs at once`, o.latency.withSlow.p99, o.latency.withFast.p99, { ratioAtMost: 1.2 }),
    row('outbound', `healthy p99 ms, a 4th destination answering in ${o.latency.slowMs / 1000} s vs no 4th`, o.latency.withSlow.p99, o.latency.healthyOnly.p99, { ratioAtMost: 1.2 }),
  ];
}
