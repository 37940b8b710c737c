// `npm run bench:engine`: what the flow interpreter itself costs per run, outside Temporal.
// Inside a worker every promise that workflow code creates pays the SDK's stack-trace hook
// (docs/benchmarks.md, case 3), so promises per run is the figure that matters there; CPU per
// run is the plain cost. Runs flows/payment-succeeded.yaml with a runtime that only counts.
import { createHook } from 'node:async_hooks';
import { join, resolve } from 'node:path';
import { loadDefinitions } from '../definitions/definitions';
import { executeFlow } from '../engine/interpreter';
import type { StepRuntime } from '../engine/run-context';
import type { FlowDefinition, FlowEvent } from '../engine/types';
import { paymentEvent } from './events';

const ROOT = resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_ENGINE_RUNS ?? 2000);

const runtime: StepRuntime = {
  callActivity: async () => ({ matchedCount: 1, modifiedCount: 1 }),
  sleep: async () => undefined,
  cleanup: (fn) => fn(),
  report: () => undefined,
  expressionFailure: (step, err) => new Error(`step ${step}: ${err.message}`),
};

function eventFor(i: number): FlowEvent {
  const body = paymentEvent('engine', i);
  return { id: body.id, type: body.type, source: 'payments', receivedAt: '2026-11-23T10:00:00.000Z', body };
}

let promises = 0;
const hook = createHook({ init(_id, type) { if (type === 'PROMISE') promises++; } });

async function measure(flow: FlowDefinition): Promise<{ promisesPerRun: number; microsPerRun: number }> {
  for (let i = 0; i < 50; i++) await executeFlow({ flow, event: eventFor(i) }, runtime); // warm-up
  hook.enable();
  promises = 0;
  await executeFlow({ flow, event: eventFor(0) }, runtime);
  hook.disable();
  const promisesPerRun = promises;
  const cpu = process.cpuUsage();
  for (let i = 0; i < RUNS; i++) await executeFlow({ flow, event: eventFor(i) }, runtime);
  const used = process.cpuUsage(cpu);
  return { promisesPerRun, microsPerRun: (used.user + used.system) / RUNS };
}

async function main() {
  const definitions = loadDefinitions(
    { flowsDir: join(ROOT, 'flows'), sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') },
    { PAYMENTS_WEBHOOK_SECRET: 'bench' },
  );
  const flow = definitions.flows.find((f) => f.name === 'payment-succeeded')!;
  const { promisesPerRun, microsPerRun } = await measure(flow);
  console.log(`flow ${flow.name}, ${RUNS} runs outside Temporal`);
  console.log(`promises per run   ${promisesPerRun}`);
  console.log(`CPU µs per run     ${microsPerRun.toFixed(0)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
