// A flood of hostile requests with valid events mixed in (one in 100): the valid ones keep
// their guarantees, no hostile one is acknowledged, the ingress's memory and the documents the
// flood adds stay bounded.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from 'mongodb';
import { runLanes } from '../../bench/lanes';
import { RssSampler, readProcMemory } from '../../bench/memory';
import { summarizeLatencies } from '../../bench/stats';
import { paymentSucceeded, scenarioSkus } from '../events';
import { hostileRequest } from '../hostile';
import { httpPoster } from '../http';
import { scaled } from '../options';
import { type ScenarioContext, type ScenarioResult, finish, setUp } from '../scenario';

/** Most documents a flood may add, whatever its size (bounded counters and samples). */
export const FLOOD_DOCUMENT_BOUND = 500;
const VALID_EVERY = 100;

async function documentCount(db: Db): Promise<number> {
  let n = 0;
  for (const c of await db.listCollections().toArray()) n += await db.collection(c.name).countDocuments();
  return n;
}

function folderBytes(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = statSync(path);
    n += s.isDirectory() ? folderBytes(path) : s.size;
  }
  return n;
}

export async function flood(ctx: ScenarioContext): Promise<ScenarioResult> {
  const began = Date.now();
  const total = scaled(20_000, ctx.options.scale, 200);
  const tag = ctx.tag('fl');
  const skus = scenarioSkus(tag, 4);
  const valid = Array.from({ length: Math.ceil(total / VALID_EVERY) }, (_, i) => paymentSucceeded(tag, i, [{ sku: skus[i % skus.length], quantity: 1 }]));
  const stock = new Map(skus.map((s) => [s, 100_000]));
  const answers: Record<string, Record<string, number>> = {};
  const expected: Record<string, number> = {};
  const validLatencies: number[] = [];
  const problems: string[] = [];
  let unexpected = 0;
  const h = await setUp(ctx, { name: 'flood', events: valid, stock });
  const ingress = h.ingresses[0];
  const db = ctx.stack.db;
  const before = { docs: await documentCount(db), deliveries: await db.collection('hookflow_deliveries').countDocuments(), rssMb: (readProcMemory(ingress.pid)?.rssKb ?? NaN) / 1024, ferretBytes: folderBytes(join(ctx.stack.dataDir, 'ferretdb')) };
  const sampler = new RssSampler(() => [ingress.pid], 500);
  sampler.start();
  const http = httpPoster(32);
  ctx.say(`  ${total} requests, one in ${VALID_EVERY} a valid event`);
  const lanes = await runLanes({
    count: total, concurrency: 32, maxMs: ctx.options.maxSeconds * 1000,
    send: async (i) => {
      if (i % VALID_EVERY === 0) {
        const t = Date.now();
        await h.provider.send(valid[i / VALID_EVERY]);
        validLatencies.push(Date.now() - t);
        return 'valid';
      }
      const r = hostileRequest(i);
      let status: string;
      try {
        status = String((await http.post(`${ingress.url}${r.path}`, r.headers, r.body)).status);
      } catch (err) {
        status = err instanceof Error ? err.message.slice(0, 40) : 'error';
      }
      (answers[r.kind] ??= {})[status] = (answers[r.kind][status] ?? 0) + 1;
      expected[r.kind] = r.expect;
      if (status !== String(r.expect)) unexpected++;
      return status;
    },
  });
  http.close();
  const peakRssMb = sampler.stop().get(ingress.pid) ?? NaN;
  const after = { docs: await documentCount(db), deliveries: await db.collection('hookflow_deliveries').countDocuments(), rssMb: (readProcMemory(ingress.pid)?.rssKb ?? NaN) / 1024, ferretBytes: folderBytes(join(ctx.stack.dataDir, 'ferretdb')) };
  // A valid event adds one delivery record and one email effect record.
  const added = after.docs - before.docs - 2 * h.provider.acknowledged().length;
  const latency = summarizeLatencies(validLatencies);
  const result = await finish(ctx, h, {
    name: 'flood', stock,
    figures: async () => ({
      // Fewer than planned when --max-seconds cut the flood short.
      requests: lanes.sent, hostile: lanes.sent - validLatencies.length,
      ingressRssMbBefore: before.rssMb, ingressRssMbAfter: after.rssMb, ingressRssMbPeak: peakRssMb,
      documentsAddedByFlood: added, deliveryRecordsAdded: after.deliveries - before.deliveries,
      ferretdbMbBefore: before.ferretBytes / 2 ** 20, ferretdbMbAfter: after.ferretBytes / 2 ** 20,
      unexpectedAnswers: unexpected,
      validAcceptP50Ms: latency.p50, validAcceptMaxMs: latency.max,
      answers: Object.entries(answers).map(([k, by]) => `${k}: ${Object.entries(by).map(([s, n]) => `${s}×${n}`).join(' ')}`).join('; '),
    }),
  }, began, Date.now());
  if (added > FLOOD_DOCUMENT_BOUND) result.verdict.problems.push(`the flood added ${added} documents (bound ${FLOOD_DOCUMENT_BOUND})`);
  // A wrong answer to bad input (e.g. a UTF-16 body parsed as UTF-8 JSON: 422 where 415 is due) is a problem too.
  for (const [kind, by] of Object.entries(answers)) {
    const wrong = Object.entries(by).filter(([status]) => status !== String(expected[kind]));
    if (wrong.length) problems.push(`"${kind}": expected ${expected[kind]}, got ${wrong.map(([st, n]) => `${st}×${n}`).join(' ')}`);
  }
  result.verdict.problems.push(...problems);
  result.passed = result.passed && added <= FLOOD_DOCUMENT_BOUND && problems.length === 0;
  return result;
}
