// The flow test runner in process (flowtests/), on the shipped flows with test files written here:
// each kind of mistake is reported at the line and column of the test file that holds it, with
// what was expected and what the run did; a case that passes has no failure; coverage names what
// no case exercised.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runFlowTests } from '../../flowtests';
import { coverageLine } from '../../flowtests/coverage';
import { ROOT } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'hookflow-flowtests-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SUCCEEDED = `flow: payment-succeeded
cases:
  - name: the email fails, the test expected completion and no email
    event: { sample: payment.succeeded }
    simulate:
      steps:
        email-customer: { fail: { type: SmtpError, message: SMTP down } }
    expect:
      outcome: completed
      emails: []
  - name: a mistyped label in simulate
    event: { sample: payment.succeeded }
    simulate:
      steps:
        email-custmer: { output: null }
    expect: { outcome: completed }
  - name: a sample that does not exist
    event: { sample: payment.nope }
    expect: { outcome: completed }
  - name: an inline body that passes, partially matched
    event:
      id: evt_inline
      body: { id: evt_x, type: payment.succeeded, created_at: "2026-11-23T09:00:00Z", data: { payment_id: p, order_id: o, amount: 100, currency: EUR, customer: { email: a@example.com }, items: [{ sku: S, quantity: 3 }] } }
    expect:
      steps: [mark-order-paid, "decrement-inventory[0]", email-customer]
      args:
        "decrement-inventory[0]": { update: { $inc: { stock: -3 } } }
      emails: [{ to: a@example.com, subject: Payment received for order o }]
`;

const CREATED = `flow: payment-created
cases:
  - name: a callback for another payment never reaches this run
    event: { sample: payment.created }
    simulate:
      callbacks:
        - after: 1m
          event: { sample: payment.failed, set: { data.payment_id: pay_other } }
    expect: { outcome: completed }
`;

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
/** "file:line:col" of the first line holding `text` (column of `text`, or of `at` inside that line). */
function position(path: string, source: string, text: string, at = text): string {
  const lines = source.split('\n');
  const line = lines.findIndex((l) => l.includes(text));
  assert.ok(line >= 0, text);
  return `${relative(process.cwd(), path)}:${line + 1}:${lines[line].indexOf(at) + 1}`;
}

test('each mistake is reported at its file:line:col with expected and actual; a passing case has none', async () => {
  const succeeded = file('succeeded.test.yaml', SUCCEEDED);
  const created = file('created.test.yaml', CREATED);
  const report = await runFlowTests({
    paths: [succeeded, created],
    dirs: { flowsDir: join(ROOT, 'flows'), sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') },
    samplesDir: join(ROOT, 'samples'),
  });
  assert.deepEqual(report.problems, []);
  const [failedEmail, typo, noSample, passing, otherKey] = report.cases;

  assert.deepEqual(failedEmail.failures.map((f) => f.summary), [
    `${position(succeeded, SUCCEEDED, 'outcome: completed', 'completed')}  the run's outcome (step email-customer (email.send): SMTP down)`,
    `${position(succeeded, SUCCEEDED, 'emails: []', '[]')}  0 email.send call(s) expected, 1 made (email-customer)`,
  ]);
  assert.match(failedEmail.failures[0].text, /\n {2}expected: "completed"\n {2}actual: {3}"failed"$/);

  assert.equal(typo.failures.length, 1);
  assert.match(typo.failures[0].summary, new RegExp(`^${position(succeeded, SUCCEEDED, 'email-custmer:', '{ output').replace(/\./g, '\\.')} {2}no step "email-custmer" in flow payment-succeeded`));

  assert.equal(noSample.failures.length, 1);
  assert.ok(noSample.failures[0].summary.startsWith(`${position(succeeded, SUCCEEDED, 'sample: payment.nope', '{ sample')}  no sample "payment.nope" for source payments`), noSample.failures[0].summary);

  assert.deepEqual(passing.failures, []);

  assert.equal(otherKey.failures.length, 1);
  assert.equal(otherKey.failures[0].summary, `${position(created, CREATED, 'pay_other', '{ sample')}  this callback would not reach the run: its correlation key is pay_other, the run's is pay_bt_1`);

  const line = coverageLine(report.coverage.find((c) => c.flow === 'payment-succeeded')!);
  assert.match(line, /^coverage {2}payment-succeeded {2}steps 3\/3 {2}branches 1\/2 {2}\(not exercised: trigger filter false\)$/);
});
