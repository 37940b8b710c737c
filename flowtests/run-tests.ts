// `hookflow test`: runs each case of the flow test files through the interpreter the workflows
// run (engine/interpreter.ts) with the test runtime (test-runtime.ts), in this process, with no
// Temporal, MongoDB, SMTP or network, and checks what the run did against what the case expects.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DefinitionError } from '../lib/errors';
import { executeFlow } from '../engine/interpreter';
import { checkedDurationMs } from '../engine/duration';
import { isScheduledFlow } from '../engine/schedule';
import { selectFlows } from '../engine/select';
import { takesEventType } from '../engine/event-patterns';
import { UpcastError, takesVersion } from '../engine/event-versions';
import { flowEventTypes, routeOf } from '../engine/routing';
import { type FlowDefinition, type FlowEvent, allSteps } from '../engine/types';
import { type DefinitionDirs, type Definitions, loadDefinitions } from '../definitions/definitions';
import type { Problem, YamlFile } from '../definitions/yaml-file';
import { CaseEventError, type EventContext, caseEvent } from './case-event';
import { eventForRun, sentEventProblem } from './case-versions';
import { CoverageCollector, type FlowCoverage } from './coverage';
import { type RunSummary, checkExpectations } from './expectations';
import { shown } from './match';
import { type EventSpec, type TestCase, readTestFile } from './test-file';
import { stepIdOf, testRuntime } from './test-runtime';
import { withSimulatedDate } from './simulated-clock';

export interface TestRunOptions {
  /** Test files or folders of them (*.test.yaml); default <flows>/tests. */
  paths?: string[];
  dirs: DefinitionDirs;
  samplesDir: string;
}

export interface CaseFailure {
  /** One line: file:line:col and what differs. */
  summary: string;
  /** The summary with expected and actual, as printed. */
  text: string;
}

export interface CaseResult { file: string; flow: string; name: string; ms: number; failures: CaseFailure[] }

export interface TestRunReport {
  cases: CaseResult[];
  /** Problems of the flows or of test files (a file with problems runs no case). */
  problems: Problem[];
  coverage: FlowCoverage[];
  /** Flows no test file names (reported when the default folder is run). */
  untested: string[];
  ms: number;
}

export async function runFlowTests(options: TestRunOptions): Promise<TestRunReport> {
  const started = performance.now();
  let defs: Definitions;
  try {
    defs = loadDefinitions(options.dirs, 'unchecked');
  } catch (err) {
    if (err instanceof DefinitionError) return { cases: [], problems: err.problems, coverage: [], untested: [], ms: performance.now() - started };
    throw err;
  }
  const defaultRun = !options.paths?.length;
  const { files, problems } = testFiles(options.paths?.length ? options.paths : [join(options.dirs.flowsDir, 'tests')]);
  const cases: CaseResult[] = [];
  const coverage = new CoverageCollector();
  const tested = new Map<string, FlowDefinition>();
  for (const path of files) {
    const shownPath = relative(process.cwd(), path) || path;
    const read = readTestFile(path, shownPath);
    if (!read.tests) {
      problems.push(...read.problems);
      continue;
    }
    const flow = defs.flows.find((f) => f.name === read.tests!.flow);
    if (!flow) {
      problems.push(read.yaml.at(['flow'], `no flow named "${read.tests.flow}"`, `flows: ${defs.flows.map((f) => f.name).join(', ')}`));
      continue;
    }
    tested.set(flow.name, flow);
    const ctx: EventContext = { flow, source: defs.sources.get(flow.trigger.source), samplesDir: options.samplesDir, testFile: path };
    for (const [index, testCase] of read.tests.cases.entries()) {
      const t0 = performance.now();
      const failures = await runCase(testCase, index, ctx, defs, read.yaml, coverage);
      cases.push({ file: shownPath, flow: flow.name, name: testCase.name, ms: performance.now() - t0, failures });
    }
  }
  const untested = defaultRun ? defs.flows.filter((f) => !tested.has(f.name)).map((f) => f.name) : [];
  return { cases, problems, coverage: [...tested.values()].map((f) => coverage.of(f)), untested, ms: performance.now() - started };
}

async function runCase(testCase: TestCase, index: number, ctx: EventContext, defs: Definitions, yaml: YamlFile, coverage: CoverageCollector): Promise<CaseFailure[]> {
  const at = (path: (string | number)[], message: string, expected?: unknown, actual?: unknown): CaseFailure => {
    const p = yaml.at(['cases', index, ...path], message);
    const summary = `${p.file}:${p.line}:${p.column}  ${message}`;
    const detail = expected === undefined && actual === undefined ? '' : `\n  expected: ${shown(expected)}\n  actual:   ${shown(actual)}`;
    return { summary, text: summary + detail };
  };
  const { flow } = ctx;
  const eventOf = (spec: EventSpec, path: (string | number)[], fallbackId: string): FlowEvent | CaseFailure => {
    let event: FlowEvent;
    try {
      event = caseEvent(spec, ctx, fallbackId);
    } catch (err) {
      if (err instanceof CaseEventError) return at(path, err.message);
      throw err;
    }
    const problem = sentEventProblem(defs, event);
    return problem ? at(path, problem) : event;
  };
  // The event as the flow's run gets it: through the source's upcast when the flow takes a newer version.
  const runEventOf = async (sent: FlowEvent, path: (string | number)[]): Promise<FlowEvent | CaseFailure> => {
    const r = await eventForRun(defs, flow, sent);
    return 'problem' in r ? at(path, r.problem) : r.event;
  };

  // A mistyped label would simulate nothing and pass unnoticed: name it.
  const stepIds = new Set([...allSteps(flow.steps), ...allSteps(flow.onFailure ?? [])].map((s) => s.id));
  const unknown = Object.keys(testCase.simulate?.steps ?? {}).find((label) => !stepIds.has(stepIdOf(label)));
  if (unknown !== undefined) return [at(['simulate', 'steps', unknown], `no step "${stepIdOf(unknown)}" in flow ${flow.name}; steps: ${[...stepIds].join(', ')}`)];

  const sent = eventOf(testCase.event, ['event'], `evt_test_${index + 1}`);
  if ('summary' in sent) return [sent];
  // Not started (another version, a false filter): the run would not get the event, upcast or not.
  const why = await whyNotStarted(flow, sent).catch((err: unknown) => (err instanceof UpcastError ? undefined : Promise.reject(err)));
  const event = why ? sent : await runEventOf(sent, ['event']);
  if ('summary' in event) return [event];
  const callbacks: { atMs: number; event: FlowEvent }[] = [];
  for (const [i, cb] of (testCase.simulate?.callbacks ?? []).entries()) {
    const sentCallback = eventOf(cb.event, ['simulate', 'callbacks', i, 'event'], `evt_callback_${i + 1}`);
    if ('summary' in sentCallback) return [sentCallback];
    const e = await runEventOf(sentCallback, ['simulate', 'callbacks', i, 'event']);
    if ('summary' in e) return [e];
    const lost = await whyCallbackLost(flow, event, e);
    if (lost) return [at(['simulate', 'callbacks', i, 'event'], `this callback would not reach the run: ${lost}`)];
    callbacks.push({ atMs: cb.after ? checkedDurationMs(cb.after) : 0, event: e });
  }
  callbacks.sort((a, b) => a.atMs - b.atMs);

  let run: RunSummary;
  if (why) {
    run = { outcome: 'not-started', message: why };
    coverage.add(flow.name, false);
  } else {
    const { runtime, recording } = testRuntime({ outcomes: testCase.simulate?.steps ?? {}, callbacks, correlated: flow.correlation !== undefined });
    try {
      const startMs = Date.parse(event.receivedAt);
      const result = await withSimulatedDate(() => startMs + recording.clockMs, () => executeFlow({ flow, event }, runtime));
      run = { outcome: 'completed', steps: result.steps, recording };
    } catch (err) {
      run = { outcome: 'failed', message: (err as Error).message, recording };
    }
    coverage.add(flow.name, true, recording);
  }
  return checkExpectations(testCase.expect, run).map((f) => at(['expect', ...f.path], f.message, f.expected, f.actual));
}

/** Why the ingress would start no run of this flow for the event (undefined: it would). */
async function whyNotStarted(flow: FlowDefinition, event: FlowEvent): Promise<string | undefined> {
  if (isScheduledFlow(flow)) return undefined;
  if (!takesEventType(flow.trigger.events, event.type)) return `${flow.name} starts on ${flow.trigger.events.join(', ')}, not ${event.type}`;
  if (!takesVersion(flow, event)) return `${flow.name} takes ${event.type} version ${flow.trigger.version}${event.version === undefined ? ', and the event carries none' : `, not version ${event.version} (and no upcast brings it there)`}`;
  if ((await selectFlows([flow], event)).length === 0) return `the trigger's filter is false: ${flow.trigger.filter}`;
  return undefined;
}

/** Why the ingress would not deliver a callback to the case's run: another key, or a filter that is false. */
async function whyCallbackLost(flow: FlowDefinition, trigger: FlowEvent, callback: FlowEvent): Promise<string | undefined> {
  if (!flow.correlation) return 'only correlated flows (correlation.key) take callbacks';
  if ((await selectFlows([flow], callback)).length === 0) return `${flow.name} takes ${flowEventTypes(flow).join(', ')}${flow.trigger.filter ? ` where ${flow.trigger.filter}` : ''}`;
  const keyOf = async (e: FlowEvent) => (await routeOf(flow, e, async () => e.id))?.route.key;
  const [runKey, callbackKey] = [await keyOf(trigger), await keyOf(callback)];
  return runKey === callbackKey ? undefined : `its correlation key is ${callbackKey}, the run's is ${runKey}`;
}

/** Folders become their *.test.yaml files; a path that does not exist is a problem. */
function testFiles(paths: string[]): { files: string[]; problems: Problem[] } {
  const files: string[] = [];
  const problems: Problem[] = [];
  for (const path of paths) {
    if (!existsSync(path)) problems.push({ file: path, line: 1, column: 1, message: 'no such file or folder', hint: 'give flow test files (*.test.yaml) or folders holding them' });
    else if (statSync(path).isDirectory()) files.push(...readdirSync(path).filter((f) => /\.test\.ya?ml$/.test(f)).sort().map((f) => join(path, f)));
    else files.push(path);
  }
  return { files, problems };
}
