// Integers beyond 2^53 in a webhook body reach flows exactly, for every preset: the body a flow
// sees, the event id read from it, the workflow id and keys made of it, and an outbound body
// rendered from it; the payload schema still takes a 64-bit id where it asks for an integer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { PRESET_BODY, PRESET_EVENT_FIELDS } from '../../definitions/source-presets';
import type { VerificationScheme } from '../../definitions/source-types';
import { loadEventSchemas } from '../../definitions/event-schemas';
import { renderTemplate } from '../../engine/expressions';
import { workflowIdOf } from '../../engine/idempotency';
import type { FlowDefinition } from '../../engine/types';
import { parseBody } from '../../verification/request-body';
import { readEventField } from '../../verification/event-fields';
import { ROOT } from '../helpers/paths';

const large = fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: (1n << 64n) - 1n });
const json = { 'content-type': 'application/json' };

test('every preset: a 64-bit id in the body, and an event id read from it, keep every digit', () => {
  const schemes = Object.keys(PRESET_EVENT_FIELDS) as VerificationScheme[];
  fc.assert(fc.property(large, fc.constantFrom(...schemes), (id, scheme) => {
    const format = PRESET_BODY[scheme] ?? {};
    const event = `{"id":${id},"event_id":${id},"type":"t","event":{"type":"t"},"order":{"id":${id},"line_items":[{"id":${id}}]}}`;
    const raw = Buffer.from(format.arrayAs ? `[{"sg_event_id":${id}},${event}]` : event);
    const body = parseBody({ body: format }, json, raw) as Record<string, any>;
    const item = format.arrayAs ? body[format.arrayAs][1] : body;
    assert.equal(item.order.id, String(id));
    assert.equal(item.order.line_items[0].id, String(id));
    const field = PRESET_EVENT_FIELDS[scheme].id;
    if (field.path) assert.equal(readEventField(field, {}, body, 'id'), String(id), `${scheme} reads its event id from ${field.path}`);
  }), { numRuns: 200 });
});

test('two ids that differ in their last digits make two workflow ids, keys and documents; outbound bodies carry them exactly', async () => {
  await fc.assert(fc.asyncProperty(large, fc.integer({ min: 1, max: 9 }), async (id, delta) => {
    const ids = [id, id + BigInt(delta)].map((n) => parseBody({ body: {} }, json, Buffer.from(`{"id":${n}}`)) as { id: string });
    const flow: FlowDefinition = { name: 'shopify-order-created', version: 'v', trigger: { source: 'shopify', events: ['orders.create'] }, steps: [] };
    const wf = ids.map((b) => workflowIdOf(flow, 'shopify', b.id));
    assert.notEqual(wf[0], wf[1]);
    const doc = await renderTemplate({ _id: 'shopify-{{ event.body.id }}', id: '{{ event.body.id }}' }, { event: { body: ids[0] } });
    assert.deepEqual(doc, { _id: `shopify-${id}`, id: String(id) });
    assert.equal(JSON.stringify(doc), `{"_id":"shopify-${id}","id":"${id}"}`, 'sent on as the exact decimal string');
  }), { numRuns: 100 });
});

test('the shipped Shopify schema takes the 64-bit order id it asks an integer for; a wrong type still fails', () => {
  const validate = loadEventSchemas(join(ROOT, 'schemas/events')).get('orders.create')!;
  const body = (id: string) => parseBody({ body: {} }, json, Buffer.from(`{"id":${id},"currency":"EUR","total_price":"29.00","line_items":[{"sku":"S","quantity":1}]}`));
  assert.deepEqual(validate(body('820982911946154508')), []);
  assert.equal((body('820982911946154508') as { id: unknown }).id, '820982911946154508');
  assert.deepEqual(validate(body('"not a number"')).map((v) => v.path), ['/id']);
  assert.deepEqual(validate(body('1.5')).map((v) => v.path), ['/id']);
});
