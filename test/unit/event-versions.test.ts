// Event types that fit real sources, without a stack: trigger patterns, schemas per source before
// shared ones, versions read where the source says, version ranges, the upcast chain the loader
// puts in a flow and the ingress applies, and validate's check of an upcast on its schema's examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEventPattern, matchesEventType } from '../../engine/event-patterns';
import { eventForFlow, takesVersion } from '../../engine/event-versions';
import { selectFlows } from '../../engine/select';
import { loadEventCatalog } from '../../definitions/event-catalog';
import { inVersionRange } from '../../definitions/trigger-versions';
import { type Definitions, loadDefinitions } from '../../definitions/definitions';
import { upcastProblems } from '../../definitions/upcast-checks';
import { readEventVersion } from '../../verification/event-version';
import { DefinitionError, UnknownEventVersionError } from '../../lib/errors';
import type { FlowEvent } from '../../engine/types';
import { ROOT } from '../helpers/paths';
import { waitFor } from '../helpers/wait-for';
import { createStartRecorded } from '../../server/deliveries/relay-start';
import { type DeliveryRecord, storedBody } from '../../server/deliveries/record';
import type { PlannedRun } from '../../server/starts';
import pino from 'pino';
import { createDefinitionStore, watchedFolders } from '../../definitions/definition-store';

const FIXTURE = join(ROOT, 'test/fixtures/versions');
const ENV = { SHOP_SECRET: 'x' };

/** A copy of the versions fixture to change: its flows, sources and schemas folders. */
function fixtureCopy(): { dir: string; dirs: { flowsDir: string; sourcesDir: string; schemasDir: string } } {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-versions-'));
  cpSync(FIXTURE, dir, { recursive: true });
  return { dir, dirs: { flowsDir: join(dir, 'flows'), sourcesDir: join(dir, 'sources'), schemasDir: join(dir, 'schemas') } };
}

const load = (dirs = fixtureCopy().dirs): Definitions => loadDefinitions(dirs, ENV);
const problemsOf = (dirs: ReturnType<typeof fixtureCopy>['dirs']) => {
  try {
    loadDefinitions(dirs, ENV);
  } catch (err) {
    if (err instanceof DefinitionError) return err.problems;
    throw err;
  }
  return [];
};
const shipped = (version: string | undefined, data: object): FlowEvent => ({ id: 'evt_1', type: 'order.shipped', source: 'shop', receivedAt: '2026-12-01T00:00:00Z', body: { id: 'evt_1', type: 'order.shipped', data }, ...(version && { version }) });

test('patterns: "*" takes every type, "orders.*" takes the types under orders., anything else is one type', () => {
  assert.ok(isEventPattern('*') && isEventPattern('orders.*'));
  assert.ok(!isEventPattern('orders') && !isEventPattern('.*') && !isEventPattern('orders.created'));
  assert.ok(matchesEventType('*', 'anything.at.all'));
  assert.ok(matchesEventType('orders.*', 'orders.create') && matchesEventType('orders.*', 'orders.paid.partially'));
  assert.ok(!matchesEventType('orders.*', 'orders') && !matchesEventType('orders.*', 'orders.') && !matchesEventType('orders.*', 'ordersx.create'));
  assert.ok(matchesEventType('orders.create', 'orders.create') && !matchesEventType('orders.create', 'orders.created'));
});

test('flows on "*" and "orders.*" are selected for matching events only', async () => {
  const defs = load();
  const names = async (type: string) => (await selectFlows(defs.flows, { source: 'shop', type, id: 'e', receivedAt: '', body: {} })).map((f) => f.name).sort();
  assert.deepEqual(await names('orders.created'), ['every-shop-event', 'shop-orders']);
  assert.deepEqual(await names('customer.created'), ['every-shop-event']);
  assert.deepEqual(await names('order.shipped'), ['every-shop-event']); // no version: the v2 flow does not take it
});

test('a schema of the source comes before the shared one, so two sources may use one type name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-catalog-'));
  mkdirSync(join(dir, 'discord'));
  writeFileSync(join(dir, '2.json'), JSON.stringify({ required: ['shared'] }));
  writeFileSync(join(dir, 'discord', '2.json'), JSON.stringify({ required: ['application_id'] }));
  const { catalog, problems } = loadEventCatalog(dir);
  assert.deepEqual(problems, []);
  assert.deepEqual(catalog.schemaForEvent('discord', '2', undefined)!.validate({ application_id: 'a' }), []);
  assert.equal(catalog.schemaForEvent('discord', '2', undefined)!.validate({ shared: 1 })[0].message, "must have required property 'application_id'");
  assert.deepEqual(catalog.schemaForEvent('slack', '2', undefined)!.validate({ shared: 1 }), []);
  assert.equal(catalog.schemaForEvent('slack', '3', undefined), undefined);
  assert.deepEqual([...catalog.typesOf('discord')].sort(), ['2']);
});

test('versioned types: known versions in order, an unknown or missing version is a 422', () => {
  const { catalog } = loadEventCatalog(join(FIXTURE, 'schemas/events'));
  assert.deepEqual(catalog.versionsOf('shop', 'order.shipped'), ['1', '2']);
  assert.ok(catalog.schemaForEvent('shop', 'order.shipped', '2'));
  for (const version of ['3', undefined]) {
    assert.throws(() => catalog.schemaForEvent('shop', 'order.shipped', version), (err: unknown) => {
      assert.ok(err instanceof UnknownEventVersionError);
      assert.equal(err.status, 422);
      assert.equal(err.code, 'unknown_event_version');
      assert.match(err.message, /known versions: 1, 2/);
      return true;
    });
  }
});

test('the version is read from a header, a body path or the URL, else the default', () => {
  const upcast = {};
  assert.equal(readEventVersion({ header: 'x-event-version', upcast }, { 'x-event-version': ' 2 ' }, {}, undefined), '2');
  assert.equal(readEventVersion({ header: 'x-event-version', default: '1', upcast }, {}, {}, undefined), '1');
  assert.equal(readEventVersion({ path: 'meta.version', upcast }, {}, { meta: { version: 3 } }, undefined), '3');
  assert.equal(readEventVersion({ url: true, upcast }, {}, {}, 'v2'), 'v2');
  assert.equal(readEventVersion({ url: true, upcast }, {}, {}, undefined), undefined);
  assert.equal(readEventVersion(undefined, { 'x-event-version': '2' }, {}, 'v2'), undefined);
});

test('version ranges', () => {
  assert.equal(inVersionRange('*', 'v7'), true);
  assert.equal(inVersionRange('2', '2'), true);
  assert.equal(inVersionRange('2', '10'), false);
  assert.equal(inVersionRange('>=2', '10'), true); // numbers compare as numbers
  assert.equal(inVersionRange('>=v2 <v4', 'v3'), true);
  assert.equal(inVersionRange('>=v2 <v4', 'v4'), false);
  assert.equal(inVersionRange('1..2', '2'), true);
  assert.equal(inVersionRange('1..2', '3'), false);
  assert.equal(inVersionRange('>=', '1'), undefined);
  assert.equal(inVersionRange('1 2 3', '1'), undefined);
});

test('the loader puts the upcast chain in the flow: version 2 takes 2 as sent and 1 upcast', () => {
  const flow = load().flows.find((f) => f.name === 'shipped-v2')!;
  const taken = flow.trigger.versions!['order.shipped'];
  assert.deepEqual(taken.asSent, ['2']);
  assert.deepEqual(taken.upcast['1'].map((s) => s.to), ['2']);
  assert.ok(takesVersion(flow, { type: 'order.shipped', version: '1' }));
  assert.ok(takesVersion(flow, { type: 'order.shipped', version: '2' }));
  assert.ok(!takesVersion(flow, { type: 'order.shipped', version: '3' }));
  assert.ok(!takesVersion(flow, { type: 'order.shipped' }));
});

test('an upcast brings a version 1 body to version 2; a version 2 event is left as sent', async () => {
  const flow = load().flows.find((f) => f.name === 'shipped-v2')!;
  const v1 = shipped('1', { order_id: 'ord_1', carrier: 'DHL', tracking: 'JD1' });
  const up = await eventForFlow(flow, v1);
  assert.deepEqual(up.body, { id: 'evt_1', type: 'order.shipped', data: { order_id: 'ord_1', shipment: { carrier: { name: 'DHL' }, tracking_number: 'JD1' } } });
  assert.equal(up.version, '2');
  assert.equal(up.upcastFrom, '1');
  assert.deepEqual(v1.body, { id: 'evt_1', type: 'order.shipped', data: { order_id: 'ord_1', carrier: 'DHL', tracking: 'JD1' } }, 'the event as sent is not changed');
  const v2 = shipped('2', { order_id: 'ord_1', shipment: { carrier: { name: 'UPS' }, tracking_number: 'Z' } });
  assert.equal(await eventForFlow(flow, v2), v2);
});

test('a flow without version takes every version as sent; "*" flows name no versions', async () => {
  const defs = load();
  const every = defs.flows.find((f) => f.name === 'every-shop-event')!;
  const v1 = shipped('1', { order_id: 'o', carrier: 'DHL', tracking: 'T' });
  assert.equal(await eventForFlow(every, v1), v1);
  assert.deepEqual((await selectFlows(defs.flows, v1)).map((f) => f.name).sort(), ['every-shop-event', 'shipped-v2']);
});

test('validate runs each upcast on its schema examples and names a wrong result at the upcast', async () => {
  const copy = fixtureCopy();
  assert.deepEqual(await upcastProblems(load(copy.dirs)), { problems: [], warnings: [] });
  const source = join(copy.dirs.sourcesDir, 'shop.yaml');
  writeFileSync(source, readFileSync(source, 'utf8').replace('"carrier": {"name": data.carrier}', '"carrier": data.carrier'));
  const { problems } = await upcastProblems(load(copy.dirs));
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.match(problems[0].message, /upcast of order\.shipped from 1 to 2 gives, for example 1 of .*1\.json, a body that does not match .*2\.json: \/data\/shipment\/carrier: must be object/);
  assert.match(`${problems[0].file}:${problems[0].line}:${problems[0].column}`, /shop\.yaml:20:12$/);
});

test('a version without examples is reported as not checked', async () => {
  const copy = fixtureCopy();
  const schema = join(copy.dirs.schemasDir, 'events/shop/order.shipped/1.json');
  const parsed = JSON.parse(readFileSync(schema, 'utf8'));
  delete parsed.examples;
  writeFileSync(schema, JSON.stringify(parsed));
  const { warnings } = await upcastProblems(load(copy.dirs));
  assert.match(warnings[0]?.message ?? '', /not checked: .*1\.json has no examples/);
});

test('mistakes in versions and patterns are problems at their positions', () => {
  const copy = fixtureCopy();
  const edit = (file: string, from: string, to: string) => {
    const path = join(copy.dir, file);
    const text = readFileSync(path, 'utf8');
    assert.ok(text.includes(from), `${file} has ${from}`);
    writeFileSync(path, text.replace(from, to));
  };
  edit('flows/shipped-v2.yaml', 'version: "2"', 'version: ">=5"');
  edit('flows/delivered-v2.yaml', 'version: ">=v2"', 'version: ">= v2 ="');
  edit('sources/carrier.yaml', '      v1:', '      v2:');
  mkdirSync(join(copy.dirs.schemasDir, 'events/nobody'));
  writeFileSync(join(copy.dirs.flowsDir, 'correlated.yaml'), 'name: correlated\ncorrelation: { key: event.id }\ntrigger:\n  source: shop\n  events: ["*"]\nsteps:\n  - id: a\n    delay: 1s\n');
  const found = problemsOf(copy.dirs).map((p) => `${p.file.replace(copy.dir, '')}:${p.line}:${p.column} ${p.message}`);
  const expect = (pattern: RegExp) => assert.ok(found.some((f) => pattern.test(f)), `${pattern} in\n${found.join('\n')}`);
  expect(/shipped-v2\.yaml:6:12 no version of order\.shipped is in ">=5" \(known: 1, 2\)/);
  expect(/delivered-v2\.yaml:6:12 ">= v2 =" is not a version or a range/);
  expect(/carrier\.yaml:19:11 "v2" is the newest version of parcel\.delivered/);
  expect(/events\/nobody:1:1 no source named "nobody"/);
  expect(/correlated\.yaml:5:12 a correlated flow names its trigger events: "\*" is a pattern/);
});

test('an event type without schema names both places a schema can go, and patterns', () => {
  const copy = fixtureCopy();
  writeFileSync(join(copy.dirs.flowsDir, 'typo.yaml'), 'name: typo\ntrigger:\n  source: shop\n  events: [order.shiped]\nsteps:\n  - id: a\n    delay: 1s\n');
  const [problem] = problemsOf(copy.dirs);
  assert.equal(problem.message, 'event type "order.shiped" has no payload schema');
  assert.match(problem.hint ?? '', /schemas\/events\/shop\/order\.shiped\.json .* schemas\/events\/order\.shiped\.json .* "order\.\*"/);
});

test('a pattern flow that reads the body gets a warning at the field, not a refusal', () => {
  const defs = load();
  assert.ok(defs.flows.some((f) => f.name === 'shop-orders'));
  const warnings = (defs.warnings ?? []).map((w) => `${w.file.replace(/.*versions-[^/]+\//, '')}:${w.line}:${w.column} ${w.message}`);
  assert.deepEqual(warnings, ['flows/shop-orders.yaml:14:16 reads event.body.total, which no schema guarantees: the flow triggers on "orders.*", and an event of a type without a schema is not checked']);
});

test('the relay starts a stored version 1 event with the upcast event, as the request would have', async () => {
  const defs = load();
  const body = { id: 'evt_r', type: 'order.shipped', data: { order_id: 'ord_r', carrier: 'DHL', tracking: 'T1' } };
  const record = {
    _id: 'shop:evt_r', source: 'shop', eventId: 'evt_r', eventType: 'order.shipped', eventVersion: '1', receivedAt: new Date(), outcome: 'accepted', status: 202,
    contentType: 'application/json', body: storedBody(Buffer.from(JSON.stringify(body))), expiresAt: new Date(),
    runs: [{ flow: 'shipped-v2', workflowId: 'shipped-v2:shop:evt_r' }, { flow: 'every-shop-event', workflowId: 'every-shop-event:shop:evt_r' }],
  } as DeliveryRecord;
  const handed: { runs: PlannedRun[]; event: FlowEvent }[] = [];
  const start = createStartRecorded(() => defs, async (runs, event) => {
    handed.push({ runs, event });
    return runs.map((r) => ({ flow: r.flow.name, workflowId: r.workflowId, duplicate: false }));
  });
  await start(record, pino({ level: 'silent' }));
  const [{ runs, event }] = handed;
  assert.equal(event.version, '1');
  assert.deepEqual(runs[0].event?.body, { ...body, data: { order_id: 'ord_r', shipment: { carrier: { name: 'DHL' }, tracking_number: 'T1' } } });
  assert.deepEqual([runs[0].event?.version, runs[0].event?.upcastFrom], ['2', '1']);
  assert.equal(runs[1].event, undefined, 'the flow on "*" takes the event as sent');
});

test('a version file saved into the folder of a source while the ingress runs is picked up (the events folder is watched recursively)', async () => {
  const copy = fixtureCopy();
  const store = createDefinitionStore(() => load(copy.dirs), { info: () => {}, error: () => {} }, 20);
  const stop = store.watch(watchedFolders(copy.dirs));
  try {
    const dir = join(copy.dirs.schemasDir, 'events/shop/order.shipped');
    writeFileSync(join(dir, '3.json'), readFileSync(join(dir, '2.json')));
    await waitFor('the reload that adds version 3', async () => store.current().events?.versionsOf('shop', 'order.shipped').includes('3'), { attempts: 100, intervalMs: 50 });
    assert.deepEqual(store.current().events?.versionsOf('shop', 'order.shipped'), ['1', '2', '3']);
  } finally {
    stop();
  }
});
