// The CI-sized subset of npm run chaos: the harness's own stack and scenarios (chaos/), small
// counts, asserting the invariants it checks per event (not timings). hot-document and the
// outages of Temporal and MongoDB take minutes even when small: they run in npm run chaos only.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ScenarioName } from '../../chaos/options';
import { runScenarios } from '../../chaos/run';
import { FLOOD_DOCUMENT_BOUND } from '../../chaos/scenarios/flood';
import type { ScenarioResult } from '../../chaos/scenario';
import { ChaosStack } from '../../chaos/stack';

let stack: ChaosStack;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hookflow-chaos-test-'));
  stack = await ChaosStack.start(dataDir, join(dataDir, 'logs'), 'warn');
});

after(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function run(name: ScenarioName, scale: number): Promise<ScenarioResult> {
  const [result] = await runScenarios(stack, { only: [name], scale, maxSeconds: 120, logLevel: 'warn', topology: 'single' }, () => undefined);
  return result;
}

function assertExactlyOnce(r: ScenarioResult, events: number): void {
  assert.deepEqual(r.verdict.problems, [], `${r.name}: ${r.verdict.problems.join('; ')}`);
  assert.equal(r.verdict.events, events);
  assert.equal(r.verdict.acknowledged, events, 'every event acknowledged in the end');
  assert.equal(r.verdict.lost, 0);
  assert.equal(r.verdict.duplicated, 0);
  assert.deepEqual(r.crashed, []);
  assert.notEqual(r.drainSeconds, null, 'every run closed');
  assert.equal(r.passed, true);
}

test('duplicate storm: 5 events × 20 concurrent copies give one run and each effect once', async () => {
  const r = await run('duplicate-storm', 0.1);
  assertExactlyOnce(r, 5);
  assert.equal(r.figures.requests, 100);
});

test('worker kill -9 under load: nothing lost, nothing done twice', async () => {
  const r = await run('worker-kill', 0.1);
  assertExactlyOnce(r, 10);
  assert.equal(r.figures.kills, 1);
});

test('reserve-stock: the write lands, the attempt is killed, and the retry recognises its own write', async () => {
  const r = await run('reserve-stock', 0.34);
  assertExactlyOnce(r, 1);
  assert.equal(r.figures.writesLandedThenKilled, 1);
});

test('a flood of hostile requests with valid events mixed in: the valid ones run once, the flood adds a bounded number of documents', async () => {
  const r = await run('flood', 0.01);
  assertExactlyOnce(r, 2);
  assert.equal(r.figures.requests, 200);
  assert.ok(Number(r.figures.documentsAddedByFlood) <= FLOOD_DOCUMENT_BOUND, `the flood added ${r.figures.documentsAddedByFlood} documents`);
});
