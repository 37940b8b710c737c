// `hookflow test` and `hookflow validate` on versioned events (the real commands, spawned), on the
// worked example of docs/sources.md (test/fixtures/versions): a flow written for order.shipped
// version 2 is tested on a version 1 and a version 2 sample, the first through the source's upcast
// as the ingress applies it; a broken upcast fails the version 1 cases at the test file's line,
// naming the upcast's line; a test that sends a version the type does not have fails `validate`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths';

const FIXTURE = join(ROOT, 'test/fixtures/versions');

function hookflow(command: string, dir: string, args: string[] = []) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/SECRET|TOKEN|_URL$/.test(k)));
  const dirs = ['--flows', join(dir, 'flows'), '--sources', join(dir, 'sources'), '--schemas', join(dir, 'schemas')];
  const r = spawnSync(join(ROOT, 'bin/hookflow'), [command, ...args, ...dirs], { cwd: ROOT, encoding: 'utf8', env: { ...env, LOG_LEVEL: 'silent' }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const runTests = (dir: string) => hookflow('test', dir, [join(dir, 'flows/tests'), '--samples', join(dir, 'samples')]);

/** A copy of the fixture to break; removed after `body`. */
function withCopy(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-versions-'));
  try {
    cpSync(FIXTURE, dir, { recursive: true });
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const lineOf = (file: string, needle: string) => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;

test('the version 2 flow passes its tests on a version 1 sample (upcast) and a version 2 sample (as sent)', () => {
  const run = runTests(FIXTURE);
  assert.equal(run.code, 0, run.out + run.err);
  assert.match(run.out, /✓ a version 1 event \(no header, the source's default\) runs the flow upcast to version 2/);
  assert.match(run.out, /✓ a version 2 event runs the flow as sent/);
  assert.match(run.out, /^3 passed, 0 failed/m);
});

test('a broken upcast fails the version 1 cases at the test file\'s line, naming the upcast\'s line; version 2 still passes', () => {
  withCopy((dir) => {
    const source = join(dir, 'sources/shop.yaml');
    // The mistake: the carrier stays a string where version 2 wants an object.
    const text = readFileSync(source, 'utf8');
    assert.ok(text.includes('{"carrier": {"name": data.carrier}, '));
    writeFileSync(source, text.replace('{"carrier": {"name": data.carrier}, ', '{"carrier": data.carrier, '));
    const testFile = join(dir, 'flows/tests/shipped-v2.test.yaml');
    const eventLine = lineOf(testFile, 'event: { sample: order.shipped, version: "1" }');
    const upcastLine = lineOf(source, '"1": |');
    assert.ok(eventLine > 0 && upcastLine > 0);

    const run = runTests(dir);
    assert.equal(run.code, 1, run.out + run.err);
    const failure = run.out.split('\n').find((l) => l.includes(`shipped-v2.test.yaml:${eventLine}:`));
    assert.ok(failure, run.out);
    assert.match(failure, new RegExp(`after the upcast from version 1 to 2 \\(.*sources/shop\\.yaml:${upcastLine}:\\d+\\), the body does not match .*order\\.shipped/2\\.json: /data/shipment/carrier must be object`));
    assert.match(run.out, /✓ a version 2 event runs the flow as sent/);
    assert.match(run.out, /^1 passed, 2 failed/m);

    // An upcast that throws is reported the same way, with the expression's own error.
    writeFileSync(source, text.replace('"order_id": data.order_id,', '"order_id": $error("order ids moved"),'));
    const thrown = runTests(dir);
    assert.equal(thrown.code, 1, thrown.out + thrown.err);
    assert.match(thrown.out, new RegExp(`shipped-v2\\.test\\.yaml:${eventLine}:\\d+ {2}upcast of order\\.shipped from version 1 to 2 failed`));
    assert.match(thrown.out, new RegExp(`order ids moved \\(.*sources/shop\\.yaml:${upcastLine}:\\d+\\)`));
  });
});

test('validate reports a flow test that sends a version its type does not have, at the version\'s line', () => {
  const ok = hookflow('validate', FIXTURE, ['--skip-env']);
  assert.equal(ok.code, 0, ok.out + ok.err);
  withCopy((dir) => {
    const testFile = join(dir, 'flows/tests/shipped-v2.test.yaml');
    writeFileSync(testFile, readFileSync(testFile, 'utf8').replace('sample: order.shipped, version: "2" }', 'sample: order.shipped, version: "3" }'));
    const line = lineOf(testFile, 'sample: order.shipped, version: "3" }');
    assert.ok(line > 0);
    const run = hookflow('validate', dir, ['--skip-env']);
    assert.equal(run.code, 1, run.out + run.err);
    assert.match(run.err, new RegExp(`shipped-v2\\.test\\.yaml:${line}:\\d+: "3" is not a version of order\\.shipped from source shop \\(known: 1, 2\\)`));
    // `hookflow test` refuses it too (given a sample of it), as the ingress would (422 unknown_event_version).
    cpSync(join(dir, 'samples/hmac/order.shipped/2.json'), join(dir, 'samples/hmac/order.shipped/3.json'));
    const tested = runTests(dir);
    assert.equal(tested.code, 1);
    assert.match(tested.out, new RegExp(`shipped-v2\\.test\\.yaml:${line}:\\d+ {2}the ingress would refuse it \\(422 unknown_event_version\\)`));
  });
});
