// Case `fanout`: one event published by a flow to N destinations (BENCH_FANOUT_SIZES, default
// 300), all behind one loopback receiver, through the real ingress and worker processes. Per size:
// the publish step's duration (event posted to flow run closed), the time to the last delivery,
// deliveries/s end to end, and the CPU per delivery of the worker, the Temporal dev server and
// FerretDB (docs/outbound.md "Scale" extrapolates from these to 10 000 destinations).
// Sides (BENCH_FANOUT_SIDES, `label` or `label@/path/to/checkout` or `label+KEY=value`, comma-
// separated; default `this`): each its own ingress and worker on a task queue of its own, the
// worker run from that checkout with that environment, so the code before a change and after it
// are measured in one run, taking turns (the order flips with each size) on a machine shared with
// other work. Only one side delivers at a time.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchContext } from './context';
import { cpuMeter } from './cpu';
import { paymentEvent, signedHeaders } from './events';
import { type BenchChild, startIngress, startWorker } from './processes';
import { type Row, row } from './report';

export interface FanoutRun {
  side: string;
  destinations: number;
  publishMs: number;
  allDeliveredMs: number;
  deliveriesPerSec: number;
  /** CPU ms per delivery by process group (worker, temporal, ferretdb). */
  cpuMsPerDelivery: Record<string, number>;
  /** Deliveries a destination got more than once (must be 0). */
  duplicates: number;
}

interface Side { label: string; root?: string; env: Record<string, string> }
function sideList(raw: string | undefined): Side[] {
  return (raw || 'this').split(',').map((spec) => {
    const [head, ...settings] = spec.trim().split('+');
    const [label, root] = head.split('@');
    return { label, ...(root && { root }), env: Object.fromEntries(settings.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) };
  });
}
const sizeList = (raw: string | undefined) => (raw || '300').split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
const flow = (size: number) => `name: bench-fanout-${size}\ntrigger:\n  source: payments\n  events: [payment.succeeded]\n  filter: $contains(event.body.data.order_id, 'FAN${size}X')\nsteps:\n  - id: publish\n    uses: webhook.publish\n    timeout: 30m\n    with:\n      type: fan.n${size}\n      data:\n        order_id: "{{ event.body.data.order_id }}"\n`;

export async function fanoutCase(ctx: BenchContext): Promise<FanoutRun[]> {
  const sizes = sizeList(process.env.BENCH_FANOUT_SIZES);
  const max = Math.max(...sizes);
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-bench-fanout-'));
  // Deliveries per destination index in the current run (runs follow each other, each delivered in full first).
  const got = new Map<string, number>();
  let last = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = new URL(req.url ?? '/', 'http://x').searchParams.get('d') ?? '?';
      got.set(key, (got.get(key) ?? 0) + 1);
      last = performance.now();
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fanout`;
  const sides = sideList(process.env.BENCH_FANOUT_SIDES);
  const children: BenchChild[] = [];
  const runs: FanoutRun[] = [];
  try {
    const flowsDir = join(dir, 'flows');
    const destDir = join(dir, 'destinations');
    mkdirSync(flowsDir);
    mkdirSync(destDir);
    for (const n of sizes) writeFileSync(join(flowsDir, `fan-${n}.yaml`), flow(n));
    // Destination i subscribes to every size it is part of; its URL says which index it is.
    for (let i = 0; i < max; i++) {
      const types = sizes.filter((n) => i < n).map((n) => `fan.n${n}`);
      writeFileSync(join(destDir, `f${i}.yaml`), `name: f${i}\nurl: ${url}?d=${i}\nevents: [${types.join(', ')}]\nsigning:\n  secrets: [FANOUT_BENCH_KEY]\n`);
    }
    const env = { HOOKFLOW_FLOWS_DIR: flowsDir, HOOKFLOW_DESTINATIONS_DIR: destDir, HOOKFLOW_EGRESS_ALLOW: '127.0.0.1', FANOUT_BENCH_KEY: `whsec_${Buffer.alloc(24, 7).toString('base64')}` };
    const started = await Promise.all(sides.map(async (side) => {
      const opts = { ...ctx.child(`bench-fanout-${side.label}`), env: { ...env, ...side.env }, ...(side.root && { root: side.root }) };
      const pair = await Promise.all([startIngress({ ...opts, root: undefined }), startWorker('worker/main.ts', opts, ctx.client)]);
      children.push(...pair);
      return { side, ingress: pair[0], worker: pair[1] };
    }));
    for (const [k, n] of sizes.entries()) {
      for (const { side, ingress, worker } of k % 2 ? [...started].reverse() : started) {
        const tag = ctx.tag(`FAN${n}X`);
        const event = paymentEvent(tag, 0);
        const body = JSON.stringify(event);
        ctx.say(`case fanout: one event to ${n} destinations (${side.label})`);
        const stop = cpuMeter({ worker: () => [worker.pid], temporal: () => ctx.infra.temporal, ferretdb: () => ctx.infra.ferretdb });
        const began = performance.now();
        got.clear();
        const posted = await fetch(new URL('/webhooks/payments', ingress.url), { method: 'POST', headers: { ...signedHeaders(body), 'content-type': 'application/json' }, body });
        if (posted.status !== 202) throw new Error(`fanout: the event got ${posted.status}`);
        await ctx.client.workflow.getHandle(`bench-fanout-${n}:payments:${event.id}`).result();
        const publishMs = performance.now() - began;
        const until = began + ctx.options.maxSeconds * 1000 * Math.max(1, n / 300);
        while (total(got) < n && performance.now() < until) await new Promise((r) => setTimeout(r, 100));
        const used = stop();
        const delivered = total(got);
        if (delivered < n || got.size !== n) throw new Error(`fanout: ${delivered} of ${n} deliveries arrived in time`);
        const allDeliveredMs = last - began;
        const duplicates = [...got.values()].filter((v) => v > 1).length;
        const run = { side: side.label, destinations: n, publishMs, allDeliveredMs, deliveriesPerSec: n / (allDeliveredMs / 1000), cpuMsPerDelivery: Object.fromEntries(Object.entries(used).map(([key, v]) => [key, v / n])), duplicates };
        ctx.say(`  fanout ${n} (${side.label}): publish step ${(publishMs / 1000).toFixed(1)} s, all delivered ${(allDeliveredMs / 1000).toFixed(1)} s (${run.deliveriesPerSec.toFixed(1)}/s), CPU ms per delivery ${Object.entries(run.cpuMsPerDelivery).map(([key, v]) => `${key} ${v.toFixed(1)}`).join(', ')}, duplicates ${duplicates}`);
        runs.push(run);
      }
    }
    return runs;
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const total = (got: Map<string, number>) => [...got.values()].reduce((a, b) => a + b, 0);

export function fanoutRows(runs?: FanoutRun[]): Row[] {
  const all = runs ?? [];
  const first = all[0]?.side;
  // With several sides, each later side against the first at the same size (e.g. after vs before); with one, the publish step as the baseline.
  return all.filter((r) => r.side !== first || all.every((o) => o.side === first)).map((r) => {
    const base = all.find((o) => o.side === first && o.destinations === r.destinations)!;
    return base === r
      ? row('outbound fan-out', `one event to ${r.destinations} destinations: seconds to the last delivery, vs the publish step`, r.allDeliveredMs / 1000, r.publishMs / 1000)
      : row('outbound fan-out', `one event to ${r.destinations} destinations: seconds to the last delivery, ${r.side} vs ${first}`, r.allDeliveredMs / 1000, base.allDeliveredMs / 1000);
  });
}
