// The reloadable definitions: a good change is applied, a broken one is refused with the
// reason and the previous set stays in force; file changes are picked up without a restart.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefinitionStore, type StoreLog } from '../../definitions/definition-store';
import { loadDefinitions } from '../../definitions/definitions';
import { DefinitionError } from '../../lib/errors';
import { ROOT } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'hookflow-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const flowFile = join(dir, 'f.yaml');
const flowYaml = (message: string) => `name: reload-me\ntrigger: { source: payments, events: [payment.succeeded] }\nsteps:\n  - id: say\n    uses: log\n    with: { message: ${message} }\n`;
const load = () => loadDefinitions({ flowsDir: dir, sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') }, { PAYMENTS_WEBHOOK_SECRET: 'x' });

function recordingLog() {
  const lines: { level: string; message: string }[] = [];
  const log: StoreLog = { info: (_f, message) => lines.push({ level: 'info', message }), error: (_f, message) => lines.push({ level: 'error', message }) };
  return { log, lines };
}
const messageOf = (store: { current(): ReturnType<typeof load> }) => (store.current().flows[0].steps[0] as unknown as { with: { message: string } }).with.message;

test('a broken file fails the first load with the report; later, a broken change keeps the previous set', () => {
  writeFileSync(flowFile, 'name: [');
  assert.throws(() => createDefinitionStore(load, recordingLog().log), DefinitionError);

  writeFileSync(flowFile, flowYaml('one'));
  const { log, lines } = recordingLog();
  const store = createDefinitionStore(load, log);
  assert.equal(messageOf(store), 'one');

  writeFileSync(flowFile, flowYaml('two').replace('uses: log', 'uses: log.nope'));
  assert.equal(store.reload('test'), false);
  assert.equal(messageOf(store), 'one');
  assert.match(lines.at(-1)!.message, /definitions reload rejected, the previous definitions stay in force:\n.*f\.yaml:5:11: .*uses must be equal to one of the allowed values/);

  writeFileSync(flowFile, flowYaml('three'));
  assert.equal(store.reload('test'), true);
  assert.equal(messageOf(store), 'three');
  assert.equal(lines.at(-1)!.level, 'info');
});

test('a file change is picked up by the watcher, debounced, without a restart', async () => {
  writeFileSync(flowFile, flowYaml('before'));
  const store = createDefinitionStore(load, recordingLog().log, 50);
  const applied: boolean[] = [];
  let notify: () => void = () => {};
  const stop = store.watch([dir], (ok) => { applied.push(ok); notify(); });
  try {
    const reloaded = new Promise<void>((r) => { notify = r; });
    // Several writes in a row settle into one reload.
    writeFileSync(flowFile, flowYaml('middle'));
    writeFileSync(flowFile, flowYaml('after'));
    await reloaded;
    assert.equal(messageOf(store), 'after');
    assert.deepEqual(applied, [true]);
  } finally {
    stop();
  }
});

test('listeners hear about applied reloads only (the ingress syncs schedules on them)', () => {
  writeFileSync(flowFile, flowYaml('first'));
  const store = createDefinitionStore(load, recordingLog().log);
  let heard = 0;
  store.onApplied(() => heard++);
  writeFileSync(flowFile, flowYaml('second').replace('uses: log', 'uses: log.nope'));
  assert.equal(store.reload('test'), false);
  assert.equal(heard, 0);
  writeFileSync(flowFile, flowYaml('third'));
  assert.equal(store.reload('test'), true);
  assert.equal(heard, 1);
});

test('a watch without a listener reloads all the same, and the log names what changed', async () => {
  writeFileSync(flowFile, flowYaml('quiet'));
  const { log, lines } = recordingLog();
  const store = createDefinitionStore(load, log, 20);
  const applied = new Promise<void>((r) => store.onApplied(() => r()));
  const stop = store.watch([dir]); // as the ingress calls it: nobody passes onReload
  try {
    writeFileSync(flowFile, flowYaml('loud'));
    await applied;
    assert.equal(messageOf(store), 'loud');
    assert.match(lines.at(-1)!.message, /^definitions reloaded \(files changed: .*f\.yaml\): flows changed reload-me$/);
  } finally {
    stop();
  }
});
