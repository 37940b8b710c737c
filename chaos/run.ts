// Runs the chosen scenarios one after another on one stack: used by npm run chaos (chaos/main.ts)
// and by the CI-sized subset (test/integration/chaos.test.ts).
import type { ChaosOptions, ScenarioName } from './options';
import type { ScenarioContext, ScenarioResult } from './scenario';
import { hotDocument, ingressKill, mongoKill, temporalKill, workerKill } from './scenarios/faults';
import { historyKill, lbIngressKill, matchingKill, oneOfThreeWorkersKill, postgresKill } from './scenarios/cluster';
import { flood } from './scenarios/flood';
import { flowEdit, rollingRestart } from './scenarios/rollouts';
import { poisonedNeighbours } from './scenarios/poisoned';
import { reserveStock } from './scenarios/reserve-stock';
import { soak } from './scenarios/soak';
import { duplicateStorm } from './scenarios/storm';
import type { ChaosStack } from './stack';

const RUNNERS: Record<ScenarioName, (ctx: ScenarioContext) => Promise<ScenarioResult>> = {
  'duplicate-storm': duplicateStorm,
  'worker-kill': workerKill,
  'temporal-kill': temporalKill,
  'mongo-kill': mongoKill,
  'ingress-kill': ingressKill,
  'hot-document': hotDocument,
  'reserve-stock': reserveStock,
  'poisoned-neighbours': poisonedNeighbours,
  flood,
  soak,
  'history-kill': historyKill,
  'matching-kill': matchingKill,
  'lb-ingress-kill': lbIngressKill,
  'one-of-three-workers-kill': oneOfThreeWorkersKill,
  'postgres-kill': postgresKill,
  'rolling-restart': rollingRestart,
  'flow-edit': flowEdit,
};

/** A scenario that threw (a process would not start, a wait timed out): failed, and the next one runs. */
function aborted(name: string, err: unknown): ScenarioResult {
  const message = err instanceof Error ? err.message : String(err);
  return {
    name, passed: false, resent: 0, drainSeconds: null, crashed: [], figures: {}, durationSeconds: 0,
    verdict: { events: 0, acknowledged: 0, lost: 0, duplicated: 0, emailResends: 0, problems: [`aborted: ${message}`] },
  };
}

export async function runScenarios(stack: ChaosStack, options: ChaosOptions, say: (m: string) => void): Promise<ScenarioResult[]> {
  const runId = Date.now().toString(36);
  let seq = 0;
  const ctx: ScenarioContext = { stack, options, say, tag: (label) => `${runId}${label}${++seq}` };
  const results: ScenarioResult[] = [];
  for (const name of options.only) {
    say(`${name}`);
    const result = await RUNNERS[name](ctx).catch((err: unknown) => aborted(name, err));
    await stack.stopChildren();
    say(`  ${result.passed ? 'ok' : 'FAILED'}: ${result.verdict.acknowledged}/${result.verdict.events} acknowledged, ${result.verdict.lost} lost, ${result.verdict.duplicated} duplicated${result.verdict.problems.length ? `; ${result.verdict.problems.slice(0, 3).join('; ')}` : ''}`);
    results.push(result);
  }
  return results;
}
