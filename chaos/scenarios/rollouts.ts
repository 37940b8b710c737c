// Deploys under load on the cluster topology: a rolling restart of every ingress and worker, one
// at a time, each stopped with SIGTERM (a graceful drain, as Kubernetes stops a pod); and a flow
// file edited while runs of it are open, which must finish on the definition they started with.
import { cpSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../bench/direct-start';
import { scaled } from '../options';
import { type Handles, type ScenarioContext, type ScenarioResult, sleep, underLoad } from '../scenario';
import { paymentLoad } from './faults';
import { paymentFlow } from '../check';
import { type RunInfo, editionProblems } from './flow-editions';

const REPLICAS = { ingresses: 3, workers: 3 };

/**
 * Every ingress, then every worker, replaced one by one while events flow through HAProxy. An
 * ingress keeps its port (HAProxy's server line): stopped, started again, back in rotation before
 * the next. A worker is surged: its successor polls before it is stopped.
 */
export async function rollingRestart(ctx: ScenarioContext): Promise<ScenarioResult> {
  // 4 minutes of traffic at 2/s: each replacement takes 25-55 s on this loaded 2-core machine, and all six fall inside it.
  const { events, stock } = paymentLoad(ctx, 'roll', scaled(480, ctx.options.scale, 20));
  const drains: string[] = [];
  const took: number[] = [];
  return underLoad(ctx, {
    name: 'rolling-restart', events, stock, ratePerSec: 2, ...REPLICAS,
    async fault(h) {
      await sleep(5000);
      for (let i = 0; i < h.ingresses.length; i++) {
        const began = Date.now();
        const old = h.ingresses[i];
        const port = Number(new URL(old.url!).port);
        const exit = await h.stack.drain(old);
        drains.push(`${old.name} ${exit.code ?? exit.signal}`);
        h.ingresses[i] = await h.stack.addIngress(h.taskQueue, undefined, port);
        if (!(await h.stack.balancerUp(h.ingresses.length))) throw new Error(`HAProxy did not see ${h.ingresses[i].name} up`);
        took.push(Date.now() - began);
        ctx.say(`  ingress ${i + 1}/${h.ingresses.length} replaced (${old.name} exit ${exit.code ?? exit.signal}) in ${((Date.now() - began) / 1000).toFixed(1)} s`);
      }
      for (let i = 0; i < h.workers.length; i++) {
        const began = Date.now();
        const old = h.workers[i];
        h.workers[i] = await h.stack.addWorker(h.taskQueue);
        const exit = await h.stack.drain(old);
        drains.push(`${old.name} ${exit.code ?? exit.signal}`);
        took.push(Date.now() - began);
        ctx.say(`  worker ${i + 1}/${h.workers.length} replaced (${old.name} exit ${exit.code ?? exit.signal}) in ${((Date.now() - began) / 1000).toFixed(1)} s`);
      }
    },
    checks: async () => drains.filter((d) => !d.endsWith(' 0')).map((d) => `a drain did not exit 0: ${d}`),
    figures: async () => ({
      restarts: drains.length,
      drainsExitedZero: drains.filter((d) => d.endsWith(' 0')).length,
      secondsPerIngress: seconds(took.slice(0, REPLICAS.ingresses)),
      secondsPerWorker: seconds(took.slice(REPLICAS.ingresses)),
    }),
  });
}

const seconds = (ms: number[]) => (ms.length ? Number((ms.reduce((a, b) => a + b, 0) / ms.length / 1000).toFixed(1)) : 0);

/** The shipped payment flow, edition 1 holding each run open in a durable delay; edition 2 without it. */
export function editionOf(edition: 1 | 2, holdSeconds: number): string {
  const shipped = readFileSync(join(ROOT, 'flows', 'payment-succeeded.yaml'), 'utf8');
  const marked = shipped.replace('It is on its way.', `It is on its way.\n        (flow edition ${edition})`);
  if (!marked.includes(`(flow edition ${edition})`)) throw new Error('flows/payment-succeeded.yaml changed: the chaos flow edit cannot mark its editions');
  return edition === 2 ? marked : marked.replace('  - id: email-customer', `  - id: hold\n    delay: ${holdSeconds}s\n\n  - id: email-customer`);
}

/**
 * The payment flow edited while runs of it wait in a delay: the ingresses reload the file, the
 * runs started before finish on edition 1 (with the delay, "edition 1" in their email), the runs
 * started after the reload take edition 2.
 */
export async function flowEdit(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { events, stock } = paymentLoad(ctx, 'edit', scaled(80, ctx.options.scale, 10));
  const rate = 2;
  const holdSeconds = scaled(20, ctx.options.scale, 5);
  const flowsDir = join(ctx.stack.dataDir, `flows-${ctx.tag('edit')}`);
  cpSync(join(ROOT, 'flows'), flowsDir, { recursive: true });
  const flowFile = join(flowsDir, 'payment-succeeded.yaml');
  writeFileSync(flowFile, editionOf(1, holdSeconds));
  const at = { edit: 0, reloaded: 0 };
  const orderOf = new Map(events.map((e) => [e.id, e.orderId]));
  return underLoad(ctx, {
    name: 'flow-edit', events, stock, ratePerSec: rate, ...REPLICAS,
    // info: the ingresses log their reloads, the signal that the edit is in force.
    ingressEnv: { HOOKFLOW_FLOWS_DIR: flowsDir, LOG_LEVEL: 'info' },
    async fault(h) {
      await sleep((events.length / rate / 2) * 1000);
      ctx.say('  payment-succeeded.yaml edited (edition 2: no delay, another email text) with runs of edition 1 open');
      const temp = `${flowFile}.tmp`;
      writeFileSync(temp, editionOf(2, holdSeconds));
      at.edit = Date.now();
      renameSync(temp, flowFile); // as editors save
      await everyIngressReloaded(h, 60_000);
      at.reloaded = Date.now();
      ctx.say(`  every ingress reloaded it ${((at.reloaded - at.edit) / 1000).toFixed(1)} s after the edit`);
    },
    checks: async (h) => editionProblems(await runsOf(h, orderOf), h.stack.smtp.messages, at),
    figures: async (h) => {
      const runs = await runsOf(h, orderOf);
      const openAtEdit = runs.filter((r) => r.start < at.edit && (r.close ?? Infinity) > at.edit).length;
      const versions = [...new Set(runs.map((r) => r.version))].map((v) => `${v} ×${runs.filter((r) => r.version === v).length}`);
      return { holdSeconds, openAtEdit, runs: runs.length, versions: versions.join(', '), reloadSeconds: (at.reloaded - at.edit) / 1000 };
    },
  });
}

/** The scenario's payment runs, with the order each one is for (from its event id). */
async function runsOf(h: Handles, orderOf: Map<string, string>): Promise<RunInfo[]> {
  const out: RunInfo[] = [];
  for await (const run of h.stack.client.workflow.list({ query: `TaskQueue = "${h.taskQueue}" AND WorkflowType = "runFlow"` })) {
    const eventId = run.workflowId.slice(paymentFlow.workflowPrefix.length);
    const orderId = orderOf.get(eventId);
    const delivery = await h.stack.db.collection<{ _id: string; receivedAt: Date }>('hookflow_deliveries').findOne({ _id: `payments:${eventId}` });
    if (orderId) out.push({ workflowId: run.workflowId, orderId, receivedAt: delivery?.receivedAt.getTime() ?? Infinity, start: run.startTime.getTime(), close: run.closeTime?.getTime(), version: String((run.memo as { flowVersion?: string } | undefined)?.flowVersion) });
  }
  return out;
}

/** Waits until each ingress's log says its definitions were reloaded. */
async function everyIngressReloaded(h: Handles, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  const reloaded = (name: string) => {
    const file = join(h.stack.logDir, `${name}.log`);
    return existsSync(file) && readFileSync(file, 'utf8').includes('definitions reloaded');
  };
  while (!h.ingresses.every((i) => reloaded(i.name))) {
    if (Date.now() > until) throw new Error(`not every ingress reloaded the edited flow within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}
