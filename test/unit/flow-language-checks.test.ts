// The loader's checks of the newer language features: filters, parallel branches, delays,
// compensations, onFailure, step references and per-activity argument schemas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFlows } from '../../definitions/flows';
import { argumentProblems } from '../../definitions/argument-check';
import { referencedStepIds } from '../../definitions/step-refs';
import { runsLocally } from '../../engine/defaults';
import { ROOT } from '../helpers/paths';
import { type ExpectedProblem, expectFlowProblems } from '../helpers/flow-problems';

const context = { sources: new Set(['payments']), eventTypes: new Set(['payment.succeeded', 'payment.refunded']) };
const fixture = (name: string) => join(ROOT, 'test/fixtures/broken-flows', name);

const expectProblems = (file: string, expected: ExpectedProblem[]) => expectFlowProblems(fixture(file), context, expected);

test('language mistakes are all reported at their positions, with hints', () => {
  expectProblems('language-mistakes.yaml', [
    [5, 11, /expression "event.body.data.amount >>"/],
    [10, 15, /argument "method" must be one of: GET/],
    [13, 34, /"headers.Authorization.secret" must match pattern/],
    [14, 16, /argument "timeout" is not a duration/],
    [15, 5, /exactly one of uses, delay, parallel or wait \(has uses, delay\)/],
    [20, 9, /"as" needs forEach/],
    [21, 22, /refers to unknown step "nope"/],
    [25, 17, /duplicate step id "fetch" \(also at line 7\)/],
    [30, 20, /Unexpected end of expression/],
    [36, 15, /has key "status", not an operator/],
    [39, 13, /email.send needs one of the arguments "text" or "html"/],
    [43, 22, /refers to unknown step "mark"/],
  ]);
});

test('durations that do not parse are reported with the accepted forms', () => {
  const { problems } = loadFlows([fixture('bad-durations.yaml')], context);
  assert.match(problems[0].hint ?? '', /not a duration: durations look like 500ms, 30s/);
  expectProblems('bad-durations.yaml', [
    [7, 12, /delay must match pattern/],
    [11, 14, /timeout must match pattern/],
    [12, 31, /initialInterval must match pattern/],
    [12, 56, /maximumAttempts must be >= 1/],
  ]);
});

test('a file with schema mistakes still gets its semantic checks, one problem per position', () => {
  expectProblems('mixed-mistakes.yaml', [
    [4, 12, /event type "payment.nothing" has no payload schema/],
    [7, 12, /delay must match pattern/],
    [10, 22, /refers to unknown step "wiat"/],
    [11, 14, /unknown property "retries"/],
  ]);
  const { problems } = loadFlows([fixture('mixed-mistakes.yaml')], context);
  assert.match(problems.find((p) => p.line === 10)?.hint ?? '', /did you mean "wait"\?/);
});

test('whole-template arguments are checked at run time, everything else at load time', () => {
  assert.deepEqual(argumentProblems('http.request', { url: '{{ event.body.url }}', method: '{{ event.body.method }}', expectStatus: '{{ [200] }}' }), []);
  assert.deepEqual(argumentProblems('mongo.updateOne', { collection: 'c', filter: { _id: 'x' }, update: { $inc: { n: '{{ 1 }}' } }, upsert: true }), []);
  const [problem] = argumentProblems('mongo.insertOne', { collection: 'c', document: 'text {{ 1 }}' });
  assert.deepEqual(problem.path, ['document']);
  assert.match(problem.message, /must be object/);
  assert.match(argumentProblems('log', {})[0].message, /log needs argument "message"/);
});

test('step references are found in the expression syntax tree, wherever they are', () => {
  assert.deepEqual(referencedStepIds('steps.a.output + $count(steps.`b-c`.output[status = "x"])').sort(), ['a', 'b-c']);
  assert.deepEqual(referencedStepIds('event.steps.a + $steps'), []);
  assert.deepEqual(referencedStepIds('steps.a.status = "completed" ? steps.d.output : null').sort(), ['a', 'd']);
});

test('a dashed step id without backticks gets a hint to quote it', () => {
  const { problems } = loadFlows([join(ROOT, 'test/fixtures/flows/dashed-reference.yaml')], context);
  assert.equal(problems.length, 1);
  assert.match(problems[0].message, /unknown step "mark"/);
  assert.match(problems[0].hint ?? '', /steps\.`mark-paid`\.output/);
});

test('local: must be true or false, and only on a step that uses an activity; the default runs only short effects locally', () => {
  expectProblems('bad-local.yaml', [[8, 12, /local must be boolean/]]);
  expectProblems('local-on-delay.yaml', [[8, 12, /"local" only applies to steps that use an activity/]]);
  assert.deepEqual(['mongo.updateOne', 'mongo.insertOne', 'mongo.findOneAndUpdate', 'mongo.find', 'log', 'email.send', 'http.request'].map((uses) => runsLocally({ uses })), [true, true, true, true, true, false, false]);
  assert.equal(runsLocally({ uses: 'mongo.updateOne', local: false }), false);
  assert.equal(runsLocally({ uses: 'http.request', local: true }), true);
});

test('$now(), $millis() and $random() are refused where the ingress evaluates them, with the event time as the alternative; steps may use them', () => {
  const clockContext = { sources: new Set(['payments']), eventTypes: new Set(['payment.succeeded', 'payment.created']) };
  const clock = (name: string) => join(ROOT, 'test/fixtures/broken-clock-flows', name);
  // Flat keys: filter, idempotency, priority, fairness weight, rate limit key; the concurrency
  // key's $f is bound by the expression itself; the step's if and template are evaluated in the run.
  expectFlowProblems(clock('clock-keys.yaml'), clockContext, [
    [7, 11, /calls \$millis\(\), but the ingress evaluates trigger\.filter/],
    [8, 19, /calls \$random\(\), but the ingress evaluates trigger\.idempotencyKey/],
    [9, 11, /calls \$now\(\), but the ingress evaluates priority/],
    [12, 11, /calls \$random\(\), but the ingress evaluates fairness\.weight/],
    [16, 8, /calls \$now\(\), but the ingress evaluates rateLimit\.key/],
  ]);
  const { problems } = loadFlows([clock('clock-keys.yaml')], clockContext);
  assert.match(problems.find((p) => p.line === 9)!.hint!, /event\.receivedAt/);
  expectFlowProblems(clock('clock-correlation.yaml'), clockContext, [
    [8, 8, /calls \$now\(\), but the ingress evaluates correlation\.key/],
    [13, 12, /calls \$now\(\), but the ingress evaluates wait\.key/],
    [13, 12, /calls \$random\(\), but the ingress evaluates wait\.key/],
  ]);
});
