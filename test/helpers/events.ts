// Builders for signed test deliveries, signed exactly as the payments provider signs them.
import { randomUUID } from 'node:crypto';
import { signHmac } from '../../verification/hmac';
import { TEST_SECRET } from './stack';

export function uid(prefix: string): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`;
}

export interface PaymentEventOptions {
  eventId?: string;
  orderId: string;
  email?: string;
  items: { sku: string; quantity: number }[];
  amount?: number;
}

export function paymentSucceeded(o: PaymentEventOptions) {
  return {
    id: o.eventId ?? uid('evt'),
    type: 'payment.succeeded',
    created_at: '2026-11-23T10:00:00Z',
    data: {
      payment_id: uid('pay'),
      order_id: o.orderId,
      amount: o.amount ?? 1999,
      currency: 'EUR',
      customer: { email: o.email ?? `${uid('c')}@example.com`, name: 'Test Customer' },
      items: o.items,
    },
  };
}

export function signPayments(rawBody: string, opts: { secret?: string; timestamp?: number } = {}): Record<string, string> {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = signHmac(
    { algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', signedPayload: '{timestamp}.{body}' },
    Buffer.from(opts.secret ?? TEST_SECRET),
    Buffer.from(rawBody),
    timestamp,
  );
  return { 'content-type': 'application/json', 'x-hookflow-timestamp': timestamp, 'x-hookflow-signature': signature };
}

/** POSTs a body (object or raw string) to a source with a valid signature unless headers say otherwise. */
export async function postEvent(baseUrl: string, body: unknown, opts: { source?: string; headers?: Record<string, string>; secret?: string } = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${baseUrl}/webhooks/${opts.source ?? 'payments'}`, {
    method: 'POST',
    headers: { ...signPayments(raw, { secret: opts.secret }), ...opts.headers },
    body: raw,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}
