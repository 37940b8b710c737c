// Demo records for the shipped payment flow, so the README's first event has an order to pay.
// Inserted only when missing: a second start keeps what runs changed.
import type { Db } from 'mongodb';

export const DEMO_ORDER_ID = 'ord_1001';

export async function seedDemoData(db: Db): Promise<void> {
  await db.collection<{ _id: string }>('orders').updateOne(
    { _id: DEMO_ORDER_ID },
    { $setOnInsert: { status: 'pending', customerEmail: 'ada@example.com', total: 4500, currency: 'EUR' } },
    { upsert: true },
  );
  for (const [sku, stock] of [['SKU-TSHIRT', 100], ['SKU-MUG', 50]] as const) {
    await db.collection<{ _id: string }>('inventory').updateOne({ _id: sku }, { $setOnInsert: { stock } }, { upsert: true });
  }
}
