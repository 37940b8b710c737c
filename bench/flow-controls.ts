// The per-event cost of the flow controls that work on the store: rateLimit's decision (admitted
// and dropped) and the per-host pacing claim of http.request, each against the delivery record
// insert every accepted event already costs. Sequential and 8 at a time, on the bench's FerretDB.
import type { BenchContext } from './context';
import { RateLimiter } from '../server/starts/rate-limits';
import { HostPacer } from '../activities/host-pacing';
import type { FlowDefinition, FlowEvent } from '../engine/types';

export interface FlowControlRow { what: string; concurrency: number; msPerEvent: number; vsRecordInsert: number }
export interface FlowControlResults { events: number; rows: FlowControlRow[] }

const BODY = 'x'.repeat(1500);

async function msPerEvent(events: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < events) await op(next++); }));
  return Number(process.hrtime.bigint() - start) / 1e6 / events;
}

export async function flowControlCases(ctx: BenchContext): Promise<FlowControlResults> {
  const events = Math.max(50, Math.min(300, Math.round(ctx.options.events / 5)));
  const tag = ctx.tag('limits');
  const limiter = new RateLimiter(ctx.db, { keepSeconds: 3600 });
  const flow = (limit: number): FlowDefinition => ({ name: `bench-${tag}-${limit}`, version: 'v', trigger: { source: 'bench', events: ['e'] }, steps: [], rateLimit: { limit, period: '1h', key: 'event.body.shop' } });
  const event = (i: number): FlowEvent => ({ id: `${tag}-${i}`, type: 'e', source: 'bench', receivedAt: new Date().toISOString(), body: { shop: 'shop-1' } });
  const records = ctx.db.collection<{ _id: string }>(`bench_records_${tag}`);
  const pacer = new HostPacer(ctx.db, { 'api.bench.test': 1_000_000 }, { sleep: async () => undefined });
  const rows: FlowControlRow[] = [];
  for (const concurrency of [1, 8]) {
    const c = `${concurrency}`;
    const insert = await msPerEvent(events, concurrency, (i) => records.insertOne({ _id: `${c}-${i}`, body: BODY } as never));
    const admitted = flow(10 * events);
    const admit = await msPerEvent(events, concurrency, (i) => limiter.admit(admitted, event(i), `${admitted.name}:${c}:${i}`));
    const full = flow(1);
    await limiter.admit(full, event(-1), `${full.name}:${c}:first`);
    const drop = await msPerEvent(events, concurrency, (i) => limiter.admit(full, event(i), `${full.name}:${c}:${i}`));
    const pace = await msPerEvent(events, concurrency, () => pacer.pace('https://api.bench.test/x'));
    for (const [what, ms] of [['delivery record insert (baseline)', insert], ['rateLimit, admitted', admit], ['rateLimit, dropped', drop], ['http host pacing claim', pace]] as const) {
      rows.push({ what, concurrency, msPerEvent: ms, vsRecordInsert: ms / insert });
    }
  }
  return { events, rows };
}

export function formatFlowControls(r: FlowControlResults): string {
  const lines = [`flow controls, store cost per event (${r.events} events each):`, 'what                              | at once | ms/event | × record insert'];
  for (const row of r.rows) lines.push(`${row.what.padEnd(33)} | ${String(row.concurrency).padStart(7)} | ${row.msPerEvent.toFixed(2).padStart(8)} | ${row.vsRecordInsert.toFixed(2).padStart(15)}`);
  return lines.join('\n');
}
