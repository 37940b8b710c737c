// Run metrics are labelled by their flow whatever the workflow: the definition (runFlow,
// correlated) or the flow's name as a string (entity, gate, collector), never `other` for those.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowLabelOf } from '../../workflows/run-metrics';

test('the flow label comes from a definition or from a flow name', () => {
  assert.equal(flowLabelOf({ flow: { name: 'pay-and-mail', version: 'v1' }, event: {} }), 'pay-and-mail');
  assert.equal(flowLabelOf({ flow: 'order-entity', source: 'payments', key: 'k1' }), 'order-entity');
  assert.equal(flowLabelOf({ flow: 'digest', source: 'payments', key: 'k1', control: 'batch' }), 'digest');
  assert.equal(flowLabelOf(undefined), 'other');
  assert.equal(flowLabelOf({ something: 1 }), 'other');
});
