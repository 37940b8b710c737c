// The hand-written equivalent of flows/payment-succeeded.yaml: the same three activities with the
// same arguments, options and idempotency keys, but plain TypeScript instead of the interpreter.
// End-to-end throughput of the shipped flow is measured against this. Deterministic workflow code:
// only @temporalio/workflow and types.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BenchEvent } from './events';

export interface BaselineInput {
  event: BenchEvent;
}

const defaults = { startToCloseTimeout: '30s', retry: { maximumAttempts: 10, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } } as const;

export async function paymentSucceededByHand({ event }: BaselineInput): Promise<Record<string, unknown>> {
  const key = (label: string) => `${workflowInfo().workflowId}/${label}`;
  const call = (label: string, options: object = defaults) => proxyActivities<Activities>({ ...options, summary: label });
  const d = event.data;

  const paid = await call('mark-order-paid')['mongo.updateOne']({
    idempotencyKey: key('mark-order-paid'),
    args: {
      collection: 'orders',
      filter: { _id: d.order_id },
      update: { $set: { status: 'paid', paymentId: d.payment_id, paidAmount: d.amount, paidAt: event.created_at } },
    },
  });

  const inventoryOptions = { startToCloseTimeout: '10s', retry: { ...defaults.retry, maximumAttempts: 5 } };
  const decremented: unknown[] = new Array(d.items.length);
  let next = 0;
  const lane = async () => {
    while (next < d.items.length) {
      const i = next++;
      const label = `decrement-inventory[${i}]`;
      decremented[i] = await call(label, inventoryOptions)['mongo.updateOne']({
        idempotencyKey: key(label),
        args: { collection: 'inventory', filter: { _id: d.items[i].sku }, update: { $inc: { stock: -d.items[i].quantity } } },
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, d.items.length) }, lane));

  const emailed = await call('email-customer')['email.send']({
    idempotencyKey: key('email-customer'),
    args: {
      to: d.customer.email,
      subject: `Payment received for order ${d.order_id}`,
      text: `Hello ${d.customer.name || 'there'},\n\nwe received your payment of ${(d.amount / 100).toFixed(2)} ${d.currency}\nfor order ${d.order_id}. It is on its way.\n`,
    },
  });
  return { 'mark-order-paid': paid, 'decrement-inventory': decremented, 'email-customer': emailed };
}
