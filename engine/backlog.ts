// The events a queue workflow (entity queue, gate) holds, in arrival order, with what carrying them
// across continue-as-new would cost: JSON characters of each event plus a margin, summed as events
// come and go rather than re-serialised each time the workflow asks.
import type { EventDelivery } from './contract';

interface Waiting { delivery: EventDelivery; bytes: number }

export class Backlog {
  private readonly items: Waiting[] = [];
  private total = 0;

  constructor(deliveries: EventDelivery[] = []) {
    for (const delivery of deliveries) this.push(delivery);
  }

  get length(): number { return this.items.length; }

  /** What the waiting events take in the next run's input (approximately, in JSON characters). */
  get bytes(): number { return this.total; }

  push(delivery: EventDelivery): void {
    const bytes = JSON.stringify(delivery.event).length + 100;
    this.items.push({ delivery, bytes });
    this.total += bytes;
  }

  /** The oldest waiting event; call only when length > 0. */
  shift(): EventDelivery {
    const { delivery, bytes } = this.items.shift()!;
    this.total -= bytes;
    return delivery;
  }

  deliveries(): EventDelivery[] { return this.items.map((w) => w.delivery); }
}
