// Contract tests of the provider samples (samples/<scheme>/<type>.json): each is a body the
// ingress reads (its parser, its preset's id and type fields), a body the schema of its type
// accepts where hookflow has one, and each sample a shipped flow takes drives that flow in its
// tests (flows/tests/*.test.yaml, run by hookflow test). A provider that changes a payload is one
// sample file to update, and these tests and the flow tests say what it broke.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadEventSchemas } from '../../definitions/event-schemas';
import { PRESET_EVENT_FIELDS } from '../../definitions/source-presets';
import { loadDefinitions } from '../../definitions/definitions';
import type { VerificationScheme } from '../../definitions/source-types';
import { flowEventTypes } from '../../engine/routing';
import { readEventField } from '../../verification/event-fields';
import { parseJsonBody } from '../../verification/json-body';
import { freePort } from '../../lib/net';
import { ROOT } from '../helpers/paths';
import { runFlowTests } from '../../flowtests';

const SAMPLES = join(ROOT, 'samples');
const schemes = readdirSync(SAMPLES).filter((d) => existsSync(join(SAMPLES, d)) && !d.includes('.'));
const samplesOf = (scheme: string) => readdirSync(join(SAMPLES, scheme)).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
const eventSchemas = loadEventSchemas(join(ROOT, 'schemas/events'));
// Presets hookflow ships no source for have a source, a flow and schemas in the test fixtures.
const PROVIDERS = join(ROOT, 'test/fixtures/providers');
const providerSchemas = loadEventSchemas(join(PROVIDERS, 'schemas/events'));
const defs = loadDefinitions({ flowsDir: join(ROOT, 'flows'), sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') }, 'unchecked');
const testFiles = readdirSync(join(ROOT, 'flows/tests')).map((f) => readFileSync(join(ROOT, 'flows/tests', f), 'utf8'));

for (const scheme of schemes) {
  test(`samples/${scheme}: each is read by the ingress's parser, its id and type where the preset says, and matches its schema`, () => {
    const fields = PRESET_EVENT_FIELDS[scheme as VerificationScheme];
    assert.ok(fields, `samples/${scheme} is not a verification preset`);
    assert.ok(samplesOf(scheme).length > 0);
    for (const name of samplesOf(scheme)) {
      const body = parseJsonBody(readFileSync(join(SAMPLES, scheme, `${name}.json`))) as object;
      // A type read from the body is the sample's name (send --sample posts it under that name).
      if (fields.type.path) assert.equal(readEventField(fields.type, {}, body, 'type'), name, `${scheme}/${name}: its type`);
      if (fields.id.path) assert.ok(readEventField(fields.id, {}, body, 'id'), `${scheme}/${name}: its id`);
      const schema = eventSchemas.get(name) ?? providerSchemas.get(name);
      assert.ok(schema, `${scheme}/${name}: no schema in schemas/events/ nor test/fixtures/providers/schemas/events/`);
      assert.deepEqual(schema?.(body) ?? [], [], `${scheme}/${name} breaks the schema of ${name}`);
    }
  });
}

test('every shipped source has samples, and each sample a shipped flow takes drives that flow in its tests', () => {
  for (const source of defs.sources.values()) {
    const scheme = source.verify.scheme;
    assert.ok(samplesOf(scheme).length > 0, `source ${source.name}: no samples in samples/${scheme}/`);
    for (const flow of defs.flows.filter((f) => f.trigger.source === source.name)) {
      const taken = samplesOf(scheme).filter((s) => flowEventTypes(flow).includes(s));
      assert.ok(taken.length > 0, `flow ${flow.name}: no sample of ${flowEventTypes(flow).join(', ')} in samples/${scheme}/`);
      const tests = testFiles.filter((t) => t.includes(`flow: ${flow.name}\n`));
      for (const sample of taken) {
        assert.ok(tests.some((t) => new RegExp(`sample: ${sample.replace(/\./g, '\\.')}\\b`).test(t)), `flow ${flow.name}: no test case uses sample ${sample}`);
      }
    }
  }
});

test('the samples of presets without a shipped source drive the fixture flows of those providers through the flow tests', async () => {
  const report = await runFlowTests({
    dirs: { flowsDir: join(PROVIDERS, 'flows'), sourcesDir: join(PROVIDERS, 'sources'), schemasDir: join(PROVIDERS, 'schemas') },
    paths: [join(PROVIDERS, 'flows/tests')],
    samplesDir: SAMPLES,
  });
  assert.deepEqual(report.problems, []);
  assert.deepEqual(report.cases.filter((c) => c.failures.length).map((c) => c.failures.map((f) => f.text)), []);
  const shippedSchemes = new Set<string>([...defs.sources.values()].map((s) => s.verify.scheme));
  const tested = readdirSync(join(PROVIDERS, 'flows/tests')).map((f) => readFileSync(join(PROVIDERS, 'flows/tests', f), 'utf8')).join('\n');
  for (const scheme of schemes.filter((s) => !shippedSchemes.has(s))) {
    for (const sample of samplesOf(scheme)) assert.match(tested, new RegExp(`sample: ${sample.replace(/\./g, '\\.')}\\b`), `samples/${scheme}/${sample} drives no flow test`);
  }
});

test('hookflow send payments --sample payment.succeeded signs and posts the payments sample', async () => {
  const port = await freePort();
  const received = new Promise<{ headers: Record<string, unknown>; body: string }>((resolve) => {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
        server.close();
        resolve({ headers: req.headers, body });
      });
    }).listen(port, '127.0.0.1');
  });
  const child = spawn(join(ROOT, 'bin/hookflow'), ['send', 'payments', '--sample', 'payment.succeeded', '--secret', 'contract-secret', '--url', `http://127.0.0.1:${port}`], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent' } });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  const { headers, body } = await received;
  assert.equal(code, 0, output);
  assert.equal((JSON.parse(body) as { type: string }).type, 'payment.succeeded');
  const expected = `sha256=${createHmac('sha256', 'contract-secret').update(`${String(headers['x-hookflow-timestamp'])}.${body}`).digest('hex')}`;
  assert.equal(headers['x-hookflow-signature'], expected);
});
