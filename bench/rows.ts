// The table: each figure of hookflow beside its baseline, with the targets.
import type { AcceptResults } from './accept-cases';
import type { E2eResults } from './e2e-cases';
import { type Row, row } from './report';

/** cpuPerRun keys (bench/e2e-cases.ts). */
const TEMPORAL = 'Temporal server';
const WORKERS = 'worker process(es)';

export function tableRows(accept?: AcceptResults, e2e?: E2eResults): Row[] {
  const rows: Row[] = [];
  if (accept) {
    const { direct, ingress, halfLoad, twoIngresses } = accept;
    rows.push(
      row('1 accept', 'events/s (1 ingress vs direct start)', ingress.ratePerSec, direct.ratePerSec, { ratioAtLeast: 0.9 }),
      row('1 accept', 'p50 ms', ingress.latencyMs.p50, direct.latencyMs.p50),
      row('1 accept', 'p99 ms', ingress.latencyMs.p99, direct.latencyMs.p99),
      row('2 half load', `p50 ms at ${halfLoad.ratePerSec}/s`, halfLoad.ingress.latencyMs.p50, halfLoad.direct.latencyMs.p50),
      row('2 half load', `p99 ms at ${halfLoad.ratePerSec}/s`, halfLoad.ingress.latencyMs.p99, halfLoad.direct.latencyMs.p99, { ratioAtMost: 2 }),
      row('4 memory', 'ingress peak RSS MB (case 1)', accept.ingressRssMb, NaN, { valueAtMost: 150 }),
      row('5 scaling', 'events/s, 2 ingresses vs direct start', twoIngresses.ratePerSec, direct.ratePerSec),
      row('5 scaling', 'events/s, 2 ingresses vs 1 ingress', twoIngresses.ratePerSec, ingress.ratePerSec),
    );
  }
  if (e2e) {
    const [flow1, flow2] = e2e.flow;
    const [base1, base2] = e2e.baseline;
    rows.push(
      row('3 end to end', 'completed/s (flow vs hand-written, 1 worker)', flow1.ratePerSec, base1.ratePerSec, { ratioAtLeast: 1 }),
      row('3 end to end', 'run p50 ms (start to close)', flow1.latencyMs.p50, base1.latencyMs.p50),
      row('3 end to end', 'run p99 ms (start to close)', flow1.latencyMs.p99, base1.latencyMs.p99),
      // The hand-written side schedules every step as an ordinary activity, as hookflow did before local steps: half its Temporal CPU is the goal.
      row('3 CPU', 'Temporal server ms per run (1 worker)', flow1.cpuPerRun[TEMPORAL], base1.cpuPerRun[TEMPORAL], { ratioAtMost: 0.5 }),
      row('3 CPU', 'worker ms per run (1 worker)', flow1.cpuPerRun[WORKERS], base1.cpuPerRun[WORKERS], { valueAtMost: 30 }),
      row('4 memory', `worker peak RSS MB (case 3, 1 worker${e2e.compiledWorker ? ', compiled' : ', tsx'})`, flow1.workerRssMb[0], base1.workerRssMb[0], { valueAtMost: 300 }),
      row('4 memory', 'worker peak RSS MB (case 3, 2 workers, max)', Math.max(...flow2.workerRssMb), Math.max(...base2.workerRssMb)),
      row('4 memory', 'ingress peak RSS MB (case 3)', e2e.ingressRssMb, NaN, { valueAtMost: 150 }),
      row('5 scaling', 'completed/s, 2 workers (flow vs hand-written)', flow2.ratePerSec, base2.ratePerSec, { ratioAtLeast: 0.8 }),
      row('5 scaling', 'completed/s flow, 2 workers vs 1', flow2.ratePerSec, flow1.ratePerSec),
      row('5 scaling', 'completed/s hand-written, 2 workers vs 1', base2.ratePerSec, base1.ratePerSec),
    );
  }
  return rows;
}
