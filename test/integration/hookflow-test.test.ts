// `hookflow test` as ops and CI run it (the real command, spawned): every shipped flow has its
// tests and they pass, with a coverage line each and JUnit XML; and a flow broken on purpose
// fails its test with the expected and actual values at the file:line:col of the expectation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths';

/** Without any secret: hookflow test needs none. */
function hookflowTest(args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/SECRET|TOKEN|_URL$/.test(k)));
  const r = spawnSync(join(ROOT, 'bin/hookflow'), ['test', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...env, LOG_LEVEL: 'silent' }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const shippedFlows = () => readdirSync(join(ROOT, 'flows')).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();

test('every shipped flow has tests, they pass, each flow gets a coverage line, and JUnit XML says the same', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-test-'));
  try {
    const junit = join(dir, 'junit.xml');
    const run = hookflowTest(['--junit', junit]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.doesNotMatch(run.out, /no tests:/, 'a shipped flow without tests');
    const covered = [...run.out.matchAll(/^coverage {2}(\S+) {2}steps (\d+)\/(\d+)/gm)];
    assert.deepEqual(covered.map((m) => m[1]).sort(), shippedFlows());
    const passed = Number(/^(\d+) passed, 0 failed/m.exec(run.out)?.[1]);
    assert.ok(passed >= shippedFlows().length, run.out);
    const xml = readFileSync(junit, 'utf8');
    assert.equal((xml.match(/<testcase /g) ?? []).length, passed);
    assert.doesNotMatch(xml, /<failure|<error/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a flow broken on purpose fails its test at the expectation\'s file:line:col, with expected and actual, and exit 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-test-broken-'));
  try {
    const flows = join(dir, 'flows');
    cpSync(join(ROOT, 'flows'), flows, { recursive: true });
    // The mistake: stock is added back instead of taken out.
    const flowFile = join(flows, 'payment-succeeded.yaml');
    const flowText = readFileSync(flowFile, 'utf8');
    assert.ok(flowText.includes('{{ -line.quantity }}'));
    writeFileSync(flowFile, flowText.replace('{{ -line.quantity }}', '{{ line.quantity }}'));
    const testFile = join(flows, 'tests/payment-succeeded.test.yaml');
    const testLines = readFileSync(testFile, 'utf8').split('\n');
    const line = testLines.findIndex((l) => l.includes('"decrement-inventory[0]": {')) + 1;
    const column = testLines[line - 1].indexOf('-2') + 1;
    assert.ok(line > 0 && column > 0);

    const junit = join(dir, 'junit.xml');
    const run = hookflowTest([join(flows, 'tests'), '--flows', flows, '--junit', junit]);
    assert.equal(run.code, 1, run.out + run.err);
    const report = run.out.split('\n');
    const at = report.findIndex((l) => l.includes(`payment-succeeded.test.yaml:${line}:${column}`));
    assert.ok(at >= 0, `no failure at line ${line}, column ${column}:\n${run.out}`);
    assert.match(report[at], /the arguments of decrement-inventory\[0\] at update\.\$inc\.stock/);
    assert.match(report[at + 1], /expected: -2$/);
    assert.match(report[at + 2], /actual: {3}2$/);
    assert.match(run.out, /\d+ passed, [1-9]\d* failed/);
    assert.match(readFileSync(junit, 'utf8'), /<failure message="[^"]*payment-succeeded\.test\.yaml:\d+:\d+ {2}the arguments of decrement-inventory\[0\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a mistake in a test file is reported at its line and column, and runs nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-test-file-'));
  try {
    const file = join(dir, 'typo.test.yaml');
    writeFileSync(file, 'flow: payment-succeeded\ncases:\n  - name: typo\n    event: { sample: payment.succeeded }\n    expect:\n      stepz: [mark-order-paid]\n');
    const run = hookflowTest([file]);
    assert.equal(run.code, 1);
    assert.match(run.err, /typo\.test\.yaml:6:14 {2}unknown property "stepz"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
