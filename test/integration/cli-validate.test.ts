// hookflow validate = start-up, spawned as ops run them: validate reports what the worker and the
// ingress refuse to start with (unset secrets, with --skip-env to lint files alone), every
// template mistake (unpaired braces, each broken expression, unknown JSONata functions), and
// run --dry-run's exit code says whether the run would fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths';

/** The environment without the payments secret (and with it when `secret` is given). */
function env(secret?: string): NodeJS.ProcessEnv {
  const { PAYMENTS_WEBHOOK_SECRET: _unset, ...rest } = process.env;
  return { ...rest, LOG_LEVEL: 'silent', ...(secret && { PAYMENTS_WEBHOOK_SECRET: secret }) };
}

function spawn(command: string, args: string[], environment: NodeJS.ProcessEnv) {
  const r = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', env: environment, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const hookflow = (args: string[], environment = env()) => spawn(join(ROOT, 'bin/hookflow'), args, environment);
/** A process's start-up, as `npm run worker` / `npm run ingress` run it (both refuse before connecting anywhere). */
const startUp = (main: string, environment = env()) => spawn(process.execPath, ['--import', 'tsx', main], { ...environment, PORT: '0', ADMIN_PORT: '0', WORKER_OPS_PORT: '0' });

const problemLines = (text: string) => text.split('\n').filter((l) => /^[\w./-]+:\d+:\d+: /.test(l));

/** Production: no development default fills an unset secret in (outside it, the CLI takes npm start's). */
const production = (): NodeJS.ProcessEnv => ({ ...env(), HOOKFLOW_ENV: 'production', HOOKFLOW_PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}` });

test('validate refuses unset secrets exactly as the worker and the ingress do at start-up', () => {
  const validate = hookflow(['validate'], production());
  assert.equal(validate.code, 1, validate.out);
  const expected = ['sources/payments.yaml:15:12: environment variable PAYMENTS_WEBHOOK_SECRET is not set'];
  assert.deepEqual(problemLines(validate.err), expected, 'one problem, no flow reported as on an unknown source');
  assert.match(validate.err, /--skip-env checks the files alone/);
  for (const main of ['worker/main.ts', 'server/main.ts']) {
    const started = startUp(main, production());
    assert.equal(started.code, 1, `${main}: ${started.err}`);
    assert.deepEqual(problemLines(started.err), problemLines(validate.err), `${main} refuses with what validate reported`);
  }
});

test('outside production validate takes npm start\'s development default for the unset secret, and says so', () => {
  const validate = hookflow(['validate']);
  assert.equal(validate.code, 0, validate.err);
  assert.match(validate.out, /^development default, as npm start uses it \(not in production\): PAYMENTS_WEBHOOK_SECRET$/m);
});

test('validate --skip-env checks the files without secrets; with the secret set, validate passes', () => {
  const skipped = hookflow(['validate', '--skip-env'], production());
  assert.equal(skipped.code, 0, skipped.err);
  assert.match(skipped.out, /^ok: \d+ flow\(s\), \d+ source\(s\).*\(secrets not checked: --skip-env\)/);
  const withSecret = hookflow(['validate'], env('a-secret'));
  assert.equal(withSecret.code, 0, withSecret.err);
  assert.doesNotMatch(withSecret.out, /not checked/);
});

test('validate reports every mistake of a template: each broken expression, unpaired braces, unknown functions', () => {
  const { code, err } = hookflow(['validate', '--skip-env', 'test/fixtures/validate/template-mistakes.yaml']);
  assert.equal(code, 1);
  const at = 'test/fixtures/validate/template-mistakes.yaml';
  const expected = [
    `${at}:11:16: expression "event.body.data.order_id +": Unexpected end of expression`,
    `${at}:11:16: expression "event.body.data.customer.(": Expected ")" before end of expression`,
    `${at}:15:16: template has "{{" without "}}" (at character 41`,
    `${at}:19:16: template has "}}" without "{{" (at character 30`,
    `${at}:23:16: expression "$uppercse(event.id)" calls unknown function $uppercse`,
    `${at}:23:16: expression "$nosuch(event.id)" calls unknown function $nosuch`,
  ];
  const lines = problemLines(err);
  assert.equal(lines.length, expected.length, err);
  expected.forEach((e, i) => assert.ok(lines[i].startsWith(e), `expected ${e}\n got ${lines[i]}`));
  assert.match(err, /hint: did you mean \$uppercase\?/);
  assert.doesNotMatch(err, /\$twice|\$x/, 'a function the expression binds itself is known');
});

test('run --dry-run exits 1 when a step would fail, 0 when the run would complete', () => {
  const args = ['run', '--dry-run', 'flows/order-placed.yaml', 'test/fixtures/events/order.placed.json'];
  const completes = hookflow(args);
  assert.equal(completes.code, 0, completes.out);
  assert.match(completes.out, /would complete\./);
  const fails = hookflow([...args, '--fail', 'create-shipment']);
  assert.equal(fails.code, 1, fails.out);
  assert.match(fails.out, /would fail: create-shipment failed/);
});

test('validate reports mistakes in rateLimit, priority and fairness with file:line:col', () => {
  const at = 'test/fixtures/validate/flow-control-mistakes.yaml';
  const { code, err } = hookflow(['validate', '--skip-env', at]);
  assert.equal(code, 1);
  assert.deepEqual(problemLines(err), [
    `${at}:8:3: a correlated flow cannot have a rateLimit: its callbacks would be dropped`,
    `${at}:8:10: /rateLimit/limit must be >= 1`,
    `${at}:9:11: /rateLimit/period must match pattern "^[0-9]+(ms|s|m|h|d)$"`,
    `${at}:10:8: expression "event.body.data.(": Expected ")" before end of expression`,
    `${at}:11:11: /priority must be <= 5`,
    `${at}:13:3: /fairness is missing "key"`,
    `${at}:13:11: /fairness/weight must be > 0`,
  ]);
});
