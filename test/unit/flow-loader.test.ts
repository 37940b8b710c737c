// The flow loader reports every mistake with its position and a hint, and accepts the shipped flows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { listYamlFiles, loadFlows } from '../../definitions/flows';
import { loadDefinitions } from '../../definitions/definitions';
import { loadConfig } from '../../lib/config';
import { DefinitionError } from '../../lib/errors';
import { activityCatalog } from '../../engine/activity-catalog';
import flowSchema from '../../schemas/flow.schema.json';
import { ROOT } from '../helpers/paths';

const context = { sources: new Set(['payments']), eventTypes: new Set(['payment.succeeded']) };
const fixture = (name: string) => join(ROOT, 'test/fixtures/broken-flows', name);

test('every shipped flow, source and event schema loads without problems, the optional ones with their variables set', () => {
  const dirs = { flowsDir: join(ROOT, 'flows'), sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') };
  // What the optional sources and flows wait for, as the loader names it; then all of it set.
  const bare = loadDefinitions(dirs, { PAYMENTS_WEBHOOK_SECRET: 'x' });
  const wanted = [...(bare.disabled ?? []), ...(bare.disabledFlows ?? [])].flatMap((d) => d.missing);
  assert.ok(wanted.length > 0, 'some shipped sources or flows are optional');
  const defs = loadDefinitions(dirs, { PAYMENTS_WEBHOOK_SECRET: 'x', ...Object.fromEntries(wanted.map((name) => [name, 'https://example.test/x'])) });
  assert.deepEqual([defs.disabled ?? [], defs.disabledFlows ?? []], [[], []]);
  const shipped = readdirSync(join(ROOT, 'flows')).filter((f) => /\.ya?ml$/.test(f)).length;
  assert.equal(defs.flows.length, shipped, 'one flow per file in flows/');
  for (const flow of defs.flows) assert.match(flow.version, /^[0-9a-f]{12}$/);
});

test('a correlated flow without triggerTimeout carries the default window of minutes, not a day', () => {
  const { flows } = loadFlows([join(ROOT, 'flows/payment-created.yaml')], { sources: new Set(['payments']), eventTypes: new Set(['payment.created', 'payment.succeeded', 'payment.failed']) });
  assert.equal(flows[0]?.correlation?.triggerTimeout, '10m');
});

test('semantic mistakes are all reported, each at its line and column', () => {
  const { flows, problems } = loadFlows([fixture('many-mistakes.yaml')], context);
  assert.equal(flows.length, 0);
  const found = problems.map((p) => `${p.line}:${p.column} ${p.message}`);
  const expected = [
    [3, 11, /unknown source "paymnets"/],
    [4, 31, /"payment.exploded" has no payload schema/],
    [9, 7, /mongo.updateOne needs argument "update"/],
    [11, 9, /duplicate step id "first"/],
    [13, 9, /expression "event.body.data.amount >"/],
    [16, 16, /expression "event.body.\("/],
    [18, 12, /email.send has no argument "bcc"/],
  ] as const;
  assert.equal(problems.length, expected.length, found.join('\n'));
  for (const [line, column, message] of expected) {
    assert.ok(problems.some((p) => p.line === line && p.column === column && message.test(p.message)), `expected ${line}:${column} ${message} in:\n${found.join('\n')}`);
  }
  assert.ok(problems.every((p) => p.file.endsWith('many-mistakes.yaml')));
});

test('schema mistakes are reported with positions and hints', () => {
  const { problems } = loadFlows([fixture('schema-mistakes.yaml')], context);
  const byLine = (line: number) => problems.filter((p) => p.line === line);
  assert.match(byLine(1)[0]?.message ?? '', /\/name must match pattern/);
  assert.match(byLine(7)[0]?.message ?? '', /\/steps\/0\/uses must be equal to one of the allowed values/);
  assert.match(byLine(7)[0]?.hint ?? '', /mongo\.updateOne/);
  assert.match(byLine(8)[0]?.message ?? '', /timeout must match pattern/);
  assert.match(byLine(9)[0]?.message ?? '', /unknown property "retries"/);
});

test('a YAML syntax error is reported at its position, not thrown', () => {
  const { problems } = loadFlows([fixture('not-yaml.yaml')], context);
  assert.ok(problems.length >= 1);
  assert.ok(problems[0].line >= 2, `line ${problems[0].line}`);
});

test('the flow schema lists exactly the activities of the catalog', () => {
  const stepUses = (flowSchema.definitions.step.properties.uses as { enum: string[] }).enum;
  assert.deepEqual([...stepUses].sort(), Object.keys(activityCatalog).sort());
});

test('listYamlFiles finds the fixtures in name order', () => {
  const files = listYamlFiles(join(ROOT, 'test/fixtures/broken-flows')).map((f) => f.split('/').pop());
  assert.deepEqual(files, ['bad-durations.yaml', 'bad-local.yaml', 'language-mistakes.yaml', 'local-on-delay.yaml', 'many-mistakes.yaml', 'mixed-mistakes.yaml', 'not-yaml.yaml', 'schema-mistakes.yaml']);
});

test('a folder that does not exist stops loading, naming the variable to set; none is read as empty', () => {
  const missing = join(ROOT, 'no-such-folder');
  assert.throws(
    () => loadDefinitions({ flowsDir: missing, sourcesDir: join(missing, 'sources'), schemasDir: join(ROOT, 'schemas') }, {}),
    (err: unknown) => {
      assert.ok(err instanceof DefinitionError);
      assert.deepEqual(err.problems.map((p) => [p.file, p.message, p.hint?.split(' to ')[0]]), [
        [join(missing, 'sources'), 'no such folder', 'set HOOKFLOW_SOURCES_DIR'],
        [missing, 'no such folder', 'set HOOKFLOW_FLOWS_DIR'],
      ]);
      return true;
    },
  );
});

test('the default folders are the project\'s (found by its package.json, so dist/ finds them too)', () => {
  const config = loadConfig({});
  assert.deepEqual([config.flowsDir, config.sourcesDir, config.schemasDir], ['flows', 'sources', 'schemas'].map((d) => join(ROOT, d)));
});
