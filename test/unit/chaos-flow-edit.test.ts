// The flow-edit chaos scenario's pieces: its two editions of the payment flow load (edition 1
// holds runs in a delay, edition 2 does not, with distinct versions), and its check finds a run
// that switched editions, a run on the wrong edition for when it started, and an edit that no
// run was open across.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDefinitions } from '../../definitions/definitions';
import { editionOf } from '../../chaos/scenarios/rollouts';
import { type RunInfo, editionOfMail, editionProblems } from '../../chaos/scenarios/flow-editions';
import { ROOT } from '../helpers/stack';

function load(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-edition-'));
  writeFileSync(join(dir, 'payment-succeeded.yaml'), text);
  return loadDefinitions({ flowsDir: dir, sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') }, { PAYMENTS_WEBHOOK_SECRET: 'x' }).flows[0];
}

test('both editions load; edition 1 holds the run in a delay, edition 2 does not; their versions differ', () => {
  const one = load(editionOf(1, 20));
  const two = load(editionOf(2, 20));
  assert.deepEqual(one.steps.map((s) => s.id), ['mark-order-paid', 'decrement-inventory', 'hold', 'email-customer']);
  assert.deepEqual(two.steps.map((s) => s.id), ['mark-order-paid', 'decrement-inventory', 'email-customer']);
  assert.notEqual(one.version, two.version);
  assert.equal(editionOfMail(JSON.stringify(one.steps[3])), 1);
});

const at = { edit: 1000, reloaded: 2000 };
const run = (n: number, start: number, close: number | undefined, version: string, receivedAt = start - 1): RunInfo => ({ workflowId: `w${n}`, orderId: `o${n}`, receivedAt, start, close, version });
const mail = (n: number, edition: number) => ({ subject: `Payment received for order o${n}`, text: `… (flow edition ${edition})` });

test('runs open across the edit on edition 1 and later runs on edition 2: no problem', () => {
  const runs = [run(1, 500, 1500, 'a'), run(2, 900, 3000, 'a'), run(3, 1500, 1600, 'b'), run(4, 2500, 2600, 'b')];
  assert.deepEqual(editionProblems(runs, [mail(1, 1), mail(2, 1), mail(3, 2), mail(4, 2)], at), []);
  // Between the edit and the last reload, either edition is right.
  const between = [run(1, 500, 1500, 'a'), run(2, 900, 3000, 'a'), run(3, 1500, 1600, 'a'), run(4, 2500, 2600, 'b')];
  assert.deepEqual(editionProblems(between, [mail(1, 1), mail(2, 1), mail(3, 1), mail(4, 2)], at), []);
});

test('a run that switched editions, or ran the wrong one for its start, is a problem', () => {
  const runs = [run(1, 500, 3000, 'a'), run(2, 2500, 2600, 'b')];
  assert.match(editionProblems(runs, [mail(1, 2), mail(2, 2)], at).join('\n'), /w1: started before the edit, ran edition 2/);
  assert.match(editionProblems(runs, [mail(1, 1), mail(2, 1)], at).join('\n'), /w2: received after every ingress reloaded, ran edition 1/);
  // Received before the reload, started after it (a slow request): edition 1 is right.
  assert.deepEqual(editionProblems([run(1, 500, 3000, 'a'), run(2, 2500, 2600, 'a', 1900), run(3, 2700, 2800, 'b')], [mail(1, 1), mail(2, 1), mail(3, 2)], at), []);
  assert.match(editionProblems([run(1, 500, 3000, 'a'), run(2, 600, 900, 'a'), run(3, 2500, 2600, 'b')], [mail(1, 1), mail(2, 1), mail(3, 1)], at).join('\n'), /one edition ran under several versions/);
  assert.match(editionProblems(runs, [mail(1, 1), mail(1, 2), mail(2, 2)], at).join('\n'), /w1: email editions 1\/2/);
});

test('an edit no run was open across, or that no run took, shows nothing and fails', () => {
  assert.match(editionProblems([run(1, 100, 200, 'a'), run(2, 2500, 2600, 'b')], [mail(1, 1), mail(2, 2)], at).join('\n'), /no run was open when the flow was edited/);
  assert.match(editionProblems([run(1, 500, 3000, 'a')], [mail(1, 1)], at).join('\n'), /no run took the edited flow/);
});
