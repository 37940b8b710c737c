// The table: each figure of hookflow beside its baseline, with the targets of issue 16 (column
// `goal`: the goal number; `case`: the bench's case, docs/benchmarks.md#method).
import type { AcceptResults } from './accept-cases';
import type { E2eResults } from './e2e-cases';
import type { LimitResults } from './ingress-limits';
import { type Row, row } from './report';

/** cpuPerRun keys (bench/e2e-cases.ts). */
const TEMPORAL = 'Temporal server';
const WORKERS = 'worker process(es)';

export function tableRows(accept?: AcceptResults, e2e?: E2eResults, overload?: LimitResults, compiled = false): Row[] {
  const rows: Row[] = [];
  const build = compiled ? 'compiled' : 'tsx';
  if (accept) {
    const { direct, ingress, halfLoad, twoIngresses } = accept;
    rows.push(
      row('1 accept', 'events/s (1 ingress vs direct start)', ingress.ratePerSec, direct.ratePerSec, { goal: 1, ratioAtLeast: 0.9 }),
      row('1 accept', 'p50 ms', ingress.latencyMs.p50, direct.latencyMs.p50),
      row('1 accept', 'p99 ms', ingress.latencyMs.p99, direct.latencyMs.p99),
      row('2 half load', `p50 ms at ${halfLoad.ratePerSec}/s`, halfLoad.ingress.latencyMs.p50, halfLoad.direct.latencyMs.p50),
      row('2 half load', `p99 ms at ${halfLoad.ratePerSec}/s`, halfLoad.ingress.latencyMs.p99, halfLoad.direct.latencyMs.p99, { ratioAtMost: 2 }),
      row('4 memory', `ingress peak RSS MB (case 1, ${build})`, accept.ingressRssMb, NaN, { goal: 5, valueAtMost: 120 }),
      row('1 accept', 'ingress CPU ms per accepted event', accept.cpuPerEvent.ingress['ingress process(es)'], NaN, { goal: 3, valueAtMost: 2 }),
      row('5 scaling', 'events/s, 2 ingresses vs direct start', twoIngresses.ratePerSec, direct.ratePerSec),
      row('5 scaling', 'events/s, 2 ingresses vs 1 ingress', twoIngresses.ratePerSec, ingress.ratePerSec),
    );
  }
  if (e2e) {
    const [flow1, flow2] = e2e.flow;
    const [base1, base2] = e2e.baseline;
    rows.push(
      row('3 end to end', 'completed/s (flow vs hand-written, 1 worker)', flow1.ratePerSec, base1.ratePerSec, { goal: 2, ratioAtLeast: 1 }),
      row('3 end to end', 'run p50 ms (start to close)', flow1.latencyMs.p50, base1.latencyMs.p50),
      row('3 end to end', 'run p99 ms (start to close)', flow1.latencyMs.p99, base1.latencyMs.p99),
      // The hand-written side schedules every step as an ordinary activity, as hookflow did before local steps: half its Temporal CPU is the goal.
      row('3 CPU', 'Temporal server ms per run (1 worker)', flow1.cpuPerRun[TEMPORAL], base1.cpuPerRun[TEMPORAL], { goal: 2, ratioAtMost: 0.5 }),
      row('3 CPU', 'worker ms per run (1 worker)', flow1.cpuPerRun[WORKERS], base1.cpuPerRun[WORKERS], { goal: 3, valueAtMost: 30 }),
      row('4 memory', `worker peak RSS MB (case 3, 1 worker${e2e.compiledWorker ? ', compiled' : ', tsx'})`, flow1.workerRssMb[0], base1.workerRssMb[0], { goal: 5, valueAtMost: 300 }),
      row('4 memory', 'worker peak RSS MB (case 3, 2 workers, max)', Math.max(...flow2.workerRssMb), Math.max(...base2.workerRssMb)),
      row('3 end to end', 'workflows started per accepted payment event (shipped flows/)', e2e.runsPerEvent, NaN, { goal: 7, valueAtMost: 1 }),
      row('4 memory', `ingress peak RSS MB (case 3, ${build})`, e2e.ingressRssMb, NaN, { goal: 5, valueAtMost: 120 }),
      row('5 scaling', 'completed/s, 2 workers (flow vs hand-written)', flow2.ratePerSec, base2.ratePerSec, { ratioAtLeast: 0.8 }),
      row('5 scaling', 'completed/s flow, 2 workers vs 1', flow2.ratePerSec, flow1.ratePerSec),
      row('5 scaling', 'completed/s hand-written, 2 workers vs 1', base2.ratePerSec, base1.ratePerSec),
    );
  }
  if (overload) {
    const { overload: o, degraded: d } = overload;
    const at = `${o.offeredPerSec}/s for ${o.seconds} s`;
    rows.push(
      row('6 overload', `p99 ms of every answer at ${at} (2 × max)`, o.run.latencyMs.p99, NaN, { goal: 4, valueAtMost: 1000 }),
      row('6 overload', 'p99 ms of the 503 answers', o.refusedP99Ms, NaN),
      row('6 overload', 'share of requests answered 2xx', o.run.accepted / Math.max(1, o.run.sent), NaN),
      row('6 overload', 'connection errors', o.run.errors, NaN, { goal: 4, valueAtMost: 0 }),
      row('6 overload', 'answers other than 2xx or 503 + Retry-After', o.run.sent - o.run.errors - o.run.accepted - (o.run.statuses['503'] ?? 0) + o.withoutRetryAfter, NaN, { goal: 4, valueAtMost: 0 }),
      row('6 overload', '2xx answers without their stored record', o.unhonoured, NaN, { goal: 4, valueAtMost: 0 }),
      row('4 memory', `ingress peak RSS MB (case 6 overload, ${build})`, o.ingressRssMb, NaN, { goal: 5, valueAtMost: 120 }),
      row('7 degraded', 'events/s, Temporal unreachable vs up', d.down.ratePerSec, d.up.ratePerSec, { goal: 6, ratioAtLeast: 0.9 }),
      row('7 degraded', 'p99 ms, Temporal unreachable vs up', d.down.latencyMs.p99, d.up.latencyMs.p99),
    );
  }
  return rows;
}
