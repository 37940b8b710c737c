// The per-destination concurrency limit (`concurrency: N`): an attempt sends only while it holds
// one of N leases "<destination>|<i>" in MongoDB, shared by every worker. A lease is claimed by a
// unique _id insert (or by taking over one whose holder's expiry passed: a worker that died), and
// deleted when the request is done.
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { OUTBOUND_LEASES_COLLECTION } from '../engine/outbound-records';
import { insertOnce } from '../lib/insert-once';

interface LeaseDoc { _id: string; destination: string; holder: string; expiresAt: Date }

export interface Lease { release(): Promise<void> }

const POLL_MS = 25;

export function concurrencyLeases(db: Db, now: () => number = Date.now) {
  const leases = db.collection<LeaseDoc>(OUTBOUND_LEASES_COLLECTION);
  const tryAcquire = async (destination: string, limit: number, holdMs: number): Promise<Lease | undefined> => {
    const at = now();
    const held = new Map((await leases.find({ destination }).toArray()).map((l) => [l._id, l]));
    const holder = randomUUID();
    const expiresAt = new Date(at + holdMs);
    for (let i = 0; i < limit; i++) {
      const _id = `${destination}|${i}`;
      const current = held.get(_id);
      const won = !current
        ? await insertOnce(leases, { _id, destination, holder, expiresAt })
        : current.expiresAt.getTime() < at && !!(await leases.findOneAndUpdate({ _id, holder: current.holder }, { $set: { holder, expiresAt } }));
      if (won) return { release: async () => { await leases.deleteOne({ _id, holder }); } };
    }
    return undefined;
  };
  return {
    /** A lease, waiting up to `waitMs` for one to be free; undefined when none was. */
    async acquire(destination: string, limit: number, holdMs: number, waitMs: number): Promise<Lease | undefined> {
      const until = now() + waitMs;
      for (;;) {
        const lease = await tryAcquire(destination, limit, holdMs);
        if (lease || now() >= until) return lease;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
  };
}
