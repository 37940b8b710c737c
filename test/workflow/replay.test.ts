// Histories recorded from the shipped flows (test/fixtures/histories, `npm run record-histories`)
// replay against the current interpreter. A change to workflow code that would break runs in
// flight (a different command sequence for the same history) fails here. Histories recorded by
// earlier interpreters stay in subfolders (before-fast-expressions/: runs without a fast
// expressions patch marker; fast-expressions-1/: runs with the first one, hookflow-fast-expressions;
// before-bounded-state/: correlated runs without the hookflow-bounded-correlation marker, whose
// signals carry the flow definition; before-local-activities/: runs without the
// hookflow-local-activities marker, every step an activity task; before-fast-expressions-3/: flow
// runs with the second fast expressions marker, hookflow-fast-expressions-2; before-one-marker/:
// flow runs with the two markers hookflow-fast-expressions-3 and hookflow-local-activities;
// before-run-guards/: flow runs with the one marker hookflow-fast-shapes-3-local-steps, before
// hookflow-run-guards) and must keep replaying while such runs may be open.
// before-run-guards/payment-succeeded-order-late.json holds a local step that
// failed and waited on a durable timer (issue 25's retry threshold, which needs no patch id: each
// attempt's marker records its backoff, so replay follows the history whatever threshold the
// worker has; the histories replayed with the SDK's old 60 s threshold too).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ESLint } from 'eslint';
import { historyFromJson } from '../helpers/history-json';
import { FLOW_BUNDLE, TRACED_FLOW_BUNDLE } from '../../worker/create-worker';
import { ROOT } from '../helpers/paths';
import { PATCHES } from '../../engine/patches';
import { CORRELATED_WORKFLOW_TYPE, FLOW_WORKFLOW_TYPE, SCHEDULED_FLOW_WORKFLOW_TYPE } from '../../engine/contract';

const DIR = join(ROOT, 'test/fixtures/histories');
const files = readdirSync(DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).sort();
let workflowBundle: WorkflowBundleWithSourceMap;

before(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed by another test file in this process
  }
  workflowBundle = await bundleWorkflowCode({ ...FLOW_BUNDLE, logger: new DefaultLogger('WARN') });
});

const load = (file: string) => JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { events: Record<string, any>[] };

test('there is a recorded history for every shipped flow, including a failed saga, by this interpreter and the one before', () => {
  const flows = readdirSync(join(ROOT, 'flows')).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')); // flows/tests/ holds their tests
  for (const flow of flows) assert.ok(files.includes(`${flow}.json`), `no recorded history for flows/${flow}.yaml: run npm run record-histories`);
  assert.ok(files.includes('order-placed-declined.json'));
  const older = flows.filter((f) => !FLOWS_AFTER_FAST_EXPRESSIONS.has(f));
  for (const flow of older) assert.ok(files.includes(join('before-fast-expressions', `${flow}.json`)), `no history of ${flow} from before the fast-expressions patch`);
  for (const flow of older) assert.ok(files.includes(join('fast-expressions-1', `${flow}.json`)), `no history of ${flow} with the first fast-expressions patch`);
  // Entity queues (order-updated) run no steps themselves: their shape did not change with local activities.
  for (const flow of flows.filter((f) => f !== 'order-updated')) assert.ok(files.includes(join('before-local-activities', `${flow}.json`)), `no history of ${flow} from before local activities`);
  for (const flow of flows.filter((f) => f !== 'order-updated')) assert.ok(files.includes(join('before-fast-expressions-3', `${flow}.json`)), `no history of ${flow} with the second fast-expressions patch`);
  for (const flow of flows.filter((f) => f !== 'order-updated')) assert.ok(files.includes(join('before-one-marker', `${flow}.json`)), `no history of ${flow} with the two separate markers`);
  for (const flow of flows.filter((f) => f !== 'order-updated')) assert.ok(files.includes(join('before-run-guards', `${flow}.json`)), `no history of ${flow} from before the run guards`);
});

/** Shipped after the second fast-expressions patch: no run of theirs can predate it, so they have no older histories. */
const FLOWS_AFTER_FAST_EXPRESSIONS = new Set(['stripe-payment-succeeded', 'github-notify-slack', 'shopify-order-created', 'slack-app-mention', 'zapier-catch-hook']);

test('every patch id in workflow code is in the census registry, and each has a recorded history carrying its marker', () => {
  const inCode = new Set(readdirSync(join(ROOT, 'workflows')).flatMap((f) => [...readFileSync(join(ROOT, 'workflows', f), 'utf8').matchAll(/'(hookflow-[a-z0-9-]+)'/g)].map((m) => m[1])));
  assert.deepEqual([...inCode].sort(), PATCHES.map((p) => p.id).sort(), 'engine/patches.ts lists exactly the patch ids workflows/ asks about');
  const recorded = new Set<string>();
  for (const f of files) {
    for (const e of load(f).events) {
      const marker = e.markerRecordedEventAttributes;
      if (marker?.markerName !== 'core_patch') continue;
      recorded.add(JSON.parse(Buffer.from(marker.details['patch-data'].payloads[0].data, 'base64').toString('utf8')).id);
    }
  }
  const missing = PATCHES.map((p) => p.id).filter((id) => !recorded.has(id));
  assert.deepEqual(missing, [], 'patch ids without a recorded history (npm run record-histories)');
});

test('every recorded history replays without non-determinism', async () => {
  const histories = files.map((f) => ({ workflowId: f, history: historyFromJson(load(f)) }));
  const failures: string[] = [];
  const replayed: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
    replayed.push(result.workflowId);
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(replayed.sort(), files, 'each recorded history was replayed');
});

/** The markers a step run (runFlow, correlated, scheduled) asks on every run: which interpreter recorded it. */
const STEP_MARKERS = new Set(PATCHES.filter((p) => p.asked === 'always' && p.workflowTypes.includes(FLOW_WORKFLOW_TYPE)).map((p) => p.id));

/** What a step run recorded by each folder's interpreter carries of those markers: the old path each folder keeps replaying. */
const ERA_MARKERS: Record<string, string[]> = {
  'before-fast-expressions': [],
  'fast-expressions-1': ['hookflow-fast-expressions'],
  'before-bounded-state': ['hookflow-fast-expressions'],
  'before-local-activities': ['hookflow-fast-expressions-2'],
  'before-fast-expressions-3': ['hookflow-fast-expressions-2', 'hookflow-local-activities'],
  'before-one-marker': ['hookflow-fast-expressions-3', 'hookflow-local-activities'],
  'before-run-guards': ['hookflow-fast-shapes-3-local-steps'],
  '.': ['hookflow-run-guards'],
};
/** Top-level histories recorded by an earlier interpreter on purpose (what they prove needs no newer run). */
const ERA_EXCEPTIONS: Record<string, string[]> = {
  'payment-succeeded-replayed.json': ['hookflow-fast-shapes-3-local-steps'], // a replay run keeping its original's step keys
  'payment-created-trigger-missing.json': [], // its trigger never came: no step ran, so no step asked
};

function summary(file: string) {
  const events = load(file).events;
  const markers = new Set<string>();
  for (const e of events) {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_patch') markers.add(JSON.parse(Buffer.from(marker.details['patch-data'].payloads[0].data, 'base64').toString('utf8')).id);
  }
  const type: string = events[0].workflowExecutionStartedEventAttributes.workflowType.name;
  return { type, markers, last: events.at(-1)!.eventType as string };
}

test('each history proves what its folder says: a whole run, recorded by the interpreter of its era', () => {
  const wrong: string[] = [];
  for (const file of files) {
    const { type, markers, last } = summary(file);
    if (!/WORKFLOW_EXECUTION_(COMPLETED|FAILED|CONTINUED_AS_NEW)$/.test(last)) wrong.push(`${file}: ends with ${last}, not a closed run`);
    const folder = dirname(file);
    assert.ok(folder in ERA_MARKERS, `${folder}/ is not a known interpreter era: add it to ERA_MARKERS with what its runs carry`);
    if (![FLOW_WORKFLOW_TYPE, CORRELATED_WORKFLOW_TYPE, SCHEDULED_FLOW_WORKFLOW_TYPE].includes(type)) continue;
    const expected = ERA_EXCEPTIONS[file] ?? ERA_MARKERS[folder];
    const got = [...markers].filter((m) => STEP_MARKERS.has(m)).sort();
    if (JSON.stringify(got) !== JSON.stringify([...expected].sort())) wrong.push(`${file} (${type}): step markers ${JSON.stringify(got)}, its era records ${JSON.stringify(expected)}`);
  }
  assert.deepEqual(wrong, []);
  assert.equal(summary('order-placed-declined.json').last, 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED', 'the failed saga ends failed (its compensations replayed)');
  assert.ok(!summary('before-bounded-state/payment-created.json').markers.has('hookflow-bounded-correlation'), 'a correlated run from before bounded state');
});

test('every recorded history replays with tracing on: the tracing interceptors add headers, never commands', async () => {
  // The bundle a worker with tracing on runs (worker/create-worker.ts): runs started with tracing
  // off continue under it, and the other way round.
  const traced = await bundleWorkflowCode({ ...TRACED_FLOW_BUNDLE, logger: new DefaultLogger('WARN') });
  assert.ok(traced.code.includes("RunWorkflow:"), 'the traced bundle carries the interceptors (workflows/tracing.ts)');
  assert.ok(!traced.code.includes('BasicTracerProvider'), 'and not the OpenTelemetry SDK: every run would instantiate it again');
  const histories = files.map((f) => ({ workflowId: f, history: historyFromJson(load(f)) }));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: traced }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  assert.deepEqual(failures, []);
});

test('the replay notices an interpreter that would schedule different work', async () => {
  // Stand-in for an incompatible interpreter change: the history says another activity ran.
  const history = load('payment-succeeded.json');
  const scheduled = history.events.find((e) => e.activityTaskScheduledEventAttributes);
  scheduled!.activityTaskScheduledEventAttributes.activityType.name = 'mongo.insertOne';
  await assert.rejects(Worker.runReplayHistory({ workflowBundle }, historyFromJson(history), 'tampered'), (err: Error) => {
    assert.equal(err.name, 'DeterminismViolationError');
    return true;
  });
});

test('every hookflow module in the workflow bundle is linted as deterministic code', async () => {
  // The bundle carries its source map inline: its sources are the files webpack put in.
  const map = /sourceMappingURL=data:application\/json;[^,]*,([A-Za-z0-9+/=]+)/.exec(workflowBundle.code);
  assert.ok(map, 'the workflow bundle has no inline source map');
  const sources: string[] = JSON.parse(Buffer.from(map[1], 'base64').toString('utf8')).sources;
  const ours = sources.filter((s) => s.startsWith(`${ROOT}/`) && !s.includes('/node_modules/') && s.endsWith('.ts')).map((s) => relative(ROOT, s));
  assert.ok(ours.some((s) => s.startsWith('engine/')) && ours.some((s) => s.startsWith('workflows/')), `bundle sources not recognised: ${ours.join(', ')}`);
  const eslint = new ESLint({ cwd: ROOT });
  const unlinted: string[] = [];
  for (const file of ours) {
    const rule = (await eslint.calculateConfigForFile(join(ROOT, file))).rules?.['@typescript-eslint/no-restricted-imports'];
    const level = Array.isArray(rule) ? rule[0] : rule;
    if (level !== 'error' && level !== 2) unlinted.push(file);
  }
  assert.deepEqual(unlinted, [], 'bundled into workflows but not covered by the determinism lint (eslint.config.mjs DETERMINISTIC_FOLDERS)');
});
