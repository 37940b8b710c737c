// The payments sandbox learns statuses from the events you send: every accepted event of the
// payments source whose body has `data.payment_id` and a known `data.status` sets what the sandbox
// reports for that payment. It reads the ingress's delivery records (they keep an accepted event's
// whole body), so nothing in the ingress knows about the sandbox: development only.
import type { Collection } from 'mongodb';
import { PAYMENTS_SANDBOX } from '../lib/dev-defaults';

const STATUSES: readonly string[] = PAYMENTS_SANDBOX.statuses;

export interface SentPayments {
  /** Applies the events accepted since the last call, oldest first. */
  catchUp(): Promise<void>;
}

interface StoredDelivery { _id: string; receivedAt: Date; body?: { text?: string; encoding?: string } }

export function followSentPayments(deliveries: Collection, payments: Map<string, string>, source = 'payments'): SentPayments {
  let since = new Date(0);
  let seenAtSince = new Set<string>(); // records received exactly at `since`, already applied
  let running: Promise<void> = Promise.resolve();
  const readNew = async () => {
    const found = await deliveries
      .find({ source, outcome: 'accepted', receivedAt: { $gte: since } }, { projection: { receivedAt: 1, body: 1 } })
      .sort({ receivedAt: 1, _id: 1 })
      .toArray() as unknown as StoredDelivery[];
    for (const d of found) {
      if (d.receivedAt.getTime() === since.getTime() && seenAtSince.has(d._id)) continue;
      const sent = paymentStatus(d);
      if (sent) payments.set(sent.id, sent.status);
      if (d.receivedAt.getTime() !== since.getTime()) { since = d.receivedAt; seenAtSince = new Set(); }
      seenAtSince.add(d._id);
    }
  };
  return {
    // One catch-up at a time, so concurrent requests never apply events out of order.
    catchUp: () => (running = running.catch(() => undefined).then(readNew)),
  };
}

function paymentStatus(d: StoredDelivery): { id: string; status: string } | undefined {
  if (d.body?.encoding !== 'utf8' || typeof d.body.text !== 'string') return undefined;
  try {
    const data = (JSON.parse(d.body.text) as { data?: { payment_id?: unknown; status?: unknown } }).data;
    if (typeof data?.payment_id === 'string' && typeof data.status === 'string' && STATUSES.includes(data.status)) return { id: data.payment_id, status: data.status };
  } catch { /* a body that is not JSON names no payment */ }
  return undefined;
}
