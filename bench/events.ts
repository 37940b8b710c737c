// The load's events, built and signed the way the payments provider does it (sources/payments.yaml):
// X-Hookflow-Signature: sha256=<hex HMAC-SHA256 of "<unix seconds>.<raw body>">. Written here on
// purpose rather than imported from server/, so the bench speaks only the public HTTP contract.
import { createHmac } from 'node:crypto';

export const BENCH_SECRET = 'bench-webhook-secret';
/** Stock items every event draws from; seeded with a stock that never runs out. */
export const BENCH_SKUS = Array.from({ length: 16 }, (_, i) => `SKU-BENCH-${i}`);

export interface BenchEvent {
  id: string;
  type: 'payment.succeeded';
  created_at: string;
  data: {
    payment_id: string;
    order_id: string;
    amount: number;
    currency: string;
    customer: { email: string; name: string };
    items: { sku: string; quantity: number }[];
  };
}

/** Event `i` of a run: unique id and order, two line items, the shape the payment flow expects. */
export function paymentEvent(runTag: string, i: number): BenchEvent {
  return {
    id: `evt_${runTag}_${i}`,
    type: 'payment.succeeded',
    created_at: '2026-11-23T10:00:00Z',
    data: {
      payment_id: `pay_${runTag}_${i}`,
      order_id: orderId(runTag, i),
      amount: 1999 + (i % 100),
      currency: 'EUR',
      customer: { email: `c${i}@bench.example`, name: 'Bench Customer' },
      items: [
        { sku: BENCH_SKUS[i % BENCH_SKUS.length], quantity: 1 },
        { sku: BENCH_SKUS[(i + 7) % BENCH_SKUS.length], quantity: 2 },
      ],
    },
  };
}

export function orderId(runTag: string, i: number): string {
  return `ord_${runTag}_${i}`;
}

export function signedHeaders(rawBody: string, secret = BENCH_SECRET, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return { 'content-type': 'application/json', 'x-hookflow-timestamp': timestamp, 'x-hookflow-signature': `sha256=${signature}` };
}
