// A write names its one document by _id (issue 13, hole 3): `validate` refuses a filter that could
// match several documents, or an upsert that could insert a second one, at its file:line:col.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { argumentProblems } from '../../definitions/argument-check';
import { ROOT } from '../helpers/paths';
import { expectFlowProblems } from '../helpers/flow-problems';

const context = { sources: new Set(['payments']), eventTypes: new Set(['payment.succeeded']) };

test('write filters without a plain _id are reported at their position, with a hint', () => {
  expectFlowProblems(join(ROOT, 'test/fixtures/write-filters/unsafe-writes.yaml'), context, [
    [10, 15, /mongo.updateOne filter must name its document by _id/],
    [16, 15, /mongo.findOneAndUpdate filter must name its document by _id/],
    [23, 22, /mongo.updateOne filter._id must be one value \(a string or number\), not \{"\$in":\["a","b"\]\}/],
  ]);
});

test('an _id beside other conditions, a templated _id or a templated filter is accepted', () => {
  const update = { $inc: { stock: -1 } };
  assert.deepEqual(argumentProblems('mongo.updateOne', { collection: 'c', filter: { _id: '{{ line.sku }}', stock: { $gte: 1 } }, update }), []);
  assert.deepEqual(argumentProblems('mongo.findOneAndUpdate', { collection: 'c', filter: { _id: 7 }, update, upsert: true }), []);
  assert.deepEqual(argumentProblems('mongo.updateOne', { collection: 'c', filter: '{{ event.body.filter }}', update }), []);
  assert.match(argumentProblems('mongo.updateOne', { collection: 'c', filter: {}, update })[0].hint, /named by _id/);
});

test('the editor schema asks for _id in a write filter too', () => {
  const flowSchema = JSON.parse(readFileSync(join(ROOT, 'schemas/flow.schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(flowSchema);
  const flow = (filter: unknown) => ({ name: 'x', trigger: { source: 's', events: ['e'] }, steps: [{ id: 'a', uses: 'mongo.updateOne', with: { collection: 'c', filter, update: { $inc: { n: 1 } } } }] });
  assert.equal(validate(flow({ status: 'paid' })), false);
  assert.equal(validate(flow({ _id: '{{ event.id }}', status: 'paid' })), true);
  assert.equal(validate(flow('{{ event.body.filter }}')), true);
});
