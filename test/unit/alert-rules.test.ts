// The shipped alert rules (ops/prometheus/alerts.yml) are valid, and each fires on its cause and
// stays quiet otherwise: promtool's own checker and its rule unit tests (alerts.test.yml).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ROOT } from '../helpers/paths';
import { ALERT_RULES, PROMTOOL_BIN } from '../helpers/prometheus-server';

const run = async (args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(PROMTOOL_BIN, args, { cwd: join(ROOT, 'ops/prometheus') });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`promtool not found at ${PROMTOOL_BIN}: install Debian's prometheus package (README: prerequisites) or set HOOKFLOW_PROMTOOL`);
    return { code: Number(e.code), out: `${e.stdout}${e.stderr}` };
  }
};

test('promtool check rules accepts the shipped rules', async () => {
  const res = await run(['check', 'rules', ALERT_RULES]);
  assert.equal(res.code, 0, res.out);
  assert.match(res.out, /SUCCESS: 11 rules found/);
});

test('promtool test rules: every rule has a test, and each passes', async () => {
  const rules = (parse(readFileSync(ALERT_RULES, 'utf8')) as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.alert));
  const tests = parse(readFileSync(join(ROOT, 'ops/prometheus/alerts.test.yml'), 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] };
  const cases = tests.tests.flatMap((t) => t.alert_rule_test);
  for (const alert of rules) {
    assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert}: a test where it fires`);
    assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert}: a test where it stays quiet`);
  }
  const res = await run(['test', 'rules', 'alerts.test.yml']);
  assert.equal(res.code, 0, res.out);
  assert.match(res.out, /SUCCESS/);
});
