// The provider's events for the chaos scenarios: the bench's signed payment events (bench/events.ts),
// with line items on SKUs the scenario owns, so its stock can be checked exactly.
import { type BenchEvent, paymentEvent } from '../bench/events';

export interface LineItem { sku: string; quantity: number }

export interface ChaosEvent {
  id: string;
  type: 'payment.succeeded' | 'order.placed';
  orderId: string;
  items: LineItem[];
  body: string;
}

/** Event `i` of a scenario: order `ord_<tag>_<i>` paid, with the given items. */
export function paymentSucceeded(tag: string, i: number, items: LineItem[]): ChaosEvent {
  const base: BenchEvent = paymentEvent(tag, i);
  const event = { ...base, data: { ...base.data, items } };
  return { id: event.id, type: event.type, orderId: event.data.order_id, items, body: JSON.stringify(event) };
}

/** An order.placed event for flows/order-placed.yaml (the reserve-stock saga). */
export function orderPlaced(tag: string, i: number, items: LineItem[]): ChaosEvent {
  const id = `evt_${tag}_${i}`;
  const orderId = `ord_${tag}_${i}`;
  const event = {
    id,
    type: 'order.placed',
    created_at: '2026-11-23T10:00:00Z',
    data: { order_id: orderId, amount: 2500, currency: 'EUR', customer: { email: `c${i}@chaos.example`, name: 'Chaos Customer' }, items },
  };
  return { id, type: 'order.placed', orderId, items, body: JSON.stringify(event) };
}

/** `count` SKUs of a scenario: `SKU-<tag>-<k>`. */
export function scenarioSkus(tag: string, count: number): string[] {
  return Array.from({ length: count }, (_, k) => `SKU-${tag}-${k}`);
}
