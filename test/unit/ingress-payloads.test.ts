// The ingress client's payload converter (server/starts/temporal-payloads.ts) must write exactly the bytes
// and metadata of the SDK's default converter: workers decode them, and histories record them.
// Compared here on every shipped flow's run input and on values shaped to trip a hand-made splice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultPayloadConverter, type Payload } from '@temporalio/common';
import { ingressDataConverter } from '../../server/starts/temporal-payloads';
import { shippedDefinitions } from '../helpers/ingress';

const reference = new DefaultPayloadConverter();

function same(value: unknown, what: string, converter = ingressDataConverter().payloadConverter): void {
  const mine = converter.toPayload(value) as Payload;
  const theirs = reference.toPayload(value);
  assert.deepEqual(Buffer.from(mine.data!).toString('utf8'), Buffer.from(theirs.data!).toString('utf8'), what);
  assert.ok(Buffer.from(mine.data!).equals(Buffer.from(theirs.data!)), `${what}: same bytes`);
  assert.deepEqual(Object.keys(mine.metadata!), Object.keys(theirs.metadata!), what);
  for (const [k, v] of Object.entries(theirs.metadata!)) assert.ok(Buffer.from(mine.metadata![k]).equals(Buffer.from(v)), `${what}: metadata ${k}`);
  assert.deepEqual(converter.fromPayload(mine), reference.fromPayload(theirs), `${what}: decodes alike`);
}

const event = (id: string, body: unknown) => ({ id, type: 'payment.succeeded', source: 'payments', receivedAt: '2026-12-02T04:00:00.000Z', body });

test('a run input of every shipped flow, twice (the second from the cached definition), with and without a replay key', () => {
  const { flows } = shippedDefinitions();
  assert.ok(flows.length > 3, 'the shipped flows are loaded');
  const converter = ingressDataConverter().payloadConverter; // one converter: its cache is used the second time
  for (const flow of flows) {
    for (const round of [1, 2]) {
      same({ flow, event: event(`evt_${round}`, { amount: 1200 + round, note: 'café ☕ 😀 \u2028', lines: [{ sku: 'A', qty: 2 }] }) }, `${flow.name} round ${round}`, converter);
      same({ flow, event: event('evt_r', { n: round }), effectKeysOf: `${flow.name}:payments:evt_r` }, `${flow.name} replay`, converter);
    }
  }
});

test('values a splice could get wrong: empty rest, undefined keys, flow not first, flow not an object, strings that need escaping', () => {
  const flow = shippedDefinitions().flows[0];
  const cases: [string, unknown][] = [
    ['only a flow', { flow }],
    ['undefined after the flow', { flow, event: undefined, effectKeysOf: undefined }],
    ['flow not first', { event: event('e', {}), flow }],
    ['an integer key first', { 1: 'x', flow }],
    ['flow is a string', { flow: 'payment', event: event('e', {}) }],
    ['flow is null', { flow: null, x: 1 }],
    ['a lone surrogate and controls', { flow, event: event('e', { s: '\ud800 "quoted" \\ \n\t\u0000' }) }],
    ['a memo', { event: { id: 'e', type: 't', source: 's', receivedAt: 'r' }, flowVersion: 'abc' }],
    ['a summary string', 'payment ← payment.succeeded evt_1 (payments)'],
    ['a number', 42],
    ['null', null],
    ['an array', [{ flow }, 1, 'x']],
    ['a date inside', { flow, at: new Date(0) }],
  ];
  for (const [what, value] of cases) same(value, what);
});

test('what the default converter gives to other converters stays theirs: undefined and binary', () => {
  const converter = ingressDataConverter().payloadConverter;
  assert.equal(converter.toPayload(undefined)?.metadata?.encoding && Buffer.from(converter.toPayload(undefined)!.metadata!.encoding).toString(), 'binary/null');
  const bytes = new Uint8Array([1, 2, 3]);
  assert.equal(Buffer.from(converter.toPayload(bytes)!.metadata!.encoding).toString(), 'binary/plain');
});

test('a value JSON cannot represent (a function) gives the same empty payload as the default', () => {
  const fn = () => 1;
  const mine = ingressDataConverter().payloadConverter.toPayload(fn);
  const theirs = reference.toPayload(fn);
  assert.equal(Buffer.from(mine.data!).length, 0);
  assert.ok(Buffer.from(mine.data!).equals(Buffer.from(theirs.data!)));
});
