// A callback type that also comes without a trigger (every ordinary payment.succeeded, for a
// dunning flow triggered by payment.failed), end to end on the real stack: the correlated run it
// starts ends quietly after triggerTimeout (completed, trigger_missing: no failed run, no issue),
// and replaying the event names the --flow form that replays its other flows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FlowRunResult } from '../../engine/contract';
import { ROOT, startTestStack, type TestStack } from '../helpers/stack';
import { paymentSucceeded, postEvent, uid } from '../helpers/events';
import { admin } from '../helpers/admin';

let stack: TestStack;
before(async () => { stack = await startTestStack({ flowsDir: join(ROOT, 'test/fixtures/callbacks-alone/flows') }); });
after(async () => { await stack?.stop(); });

test('an ordinary payment.succeeded: its receipt runs, the dunning run it started ends quietly, and its replay names --flow', async () => {
  const body = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 'SKU-A', quantity: 1 }] });
  const sent = await postEvent(stack.ingressUrl, body);
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const runs = Object.fromEntries((sent.body.runs as { flow: string; workflowId: string }[]).map((r) => [r.flow, r.workflowId]));
  assert.equal(runs.dunning, `dunning:payments:${body.data.payment_id}`);

  const dunning = stack.client.workflow.getHandle(runs.dunning);
  const result = await dunning.result() as FlowRunResult;
  assert.deepEqual(result.triggerMissing, { waited: '1s', buffered: [{ id: body.id, type: 'payment.succeeded' }] });
  const described = await dunning.describe();
  assert.equal(described.status.name, 'COMPLETED', 'not a failed run');
  assert.deepEqual(described.searchAttributes.HookflowOutcome, ['trigger_missing']);
  await stack.client.workflow.getHandle(runs.receipt).result();
  const issues = await admin(stack.adminUrl, 'GET', '/admin/issues?kind=run_failed');
  assert.deepEqual(issues.body.issues, [], 'no issue');

  const replay = (flow?: string) => admin(stack.adminUrl, 'POST', `/admin/deliveries/${encodeURIComponent(sent.body.deliveryId)}/replay`, flow ? { body: { flow } } : {});
  const refused = await replay();
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  assert.equal(refused.body.error.message, `payment.succeeded ${body.id} is a callback of ${runs.dunning} (flow dunning): replay the delivery of its payment.failed instead; to replay this event's other flows only: hookflow replay ${sent.body.deliveryId} --flow receipt`);
  const alone = await replay('receipt');
  assert.equal(alone.status, 202, JSON.stringify(alone.body));
  assert.deepEqual(alone.body.runs.map((r: { flow: string }) => r.flow), ['receipt']);
});
