// The outbound collections' indexes, one per query the CLI, the console, retry-failed and the
// issues inbox make (server/admin/outbound/index.ts, server/admin/issues/destinations.ts), and the
// two the worker makes by destination (concurrency leases, failure-rate buckets); its other reads
// and writes go by _id. Created by the ingress at start-up, beside the
// delivery store's (server/ingress.ts), missing ones only.
import type { Db } from 'mongodb';
import { type IndexSpecs, createMissingIndexes } from '../../../lib/mongo-indexes';
import {
  OUTBOUND_ATTEMPTS_COLLECTION, OUTBOUND_COLLECTION, OUTBOUND_EVENTS_COLLECTION, OUTBOUND_LEASES_COLLECTION, OUTBOUND_WINDOW_COLLECTION,
} from '../../../engine/outbound-records';

export const OUTBOUND_INDEXES: Record<string, IndexSpecs> = {
  [OUTBOUND_COLLECTION]: {
    // `outbound list --destination --status [--since]`, the counts per status, retry-failed of one destination.
    destination_status_updatedAt: { destination: 1, status: 1, updatedAt: -1 },
    // `outbound list --status failed`, `outbound retry --since` (every destination).
    status_updatedAt: { status: 1, updatedAt: -1 },
    // The console's log, newest first, unfiltered.
    updatedAt: { updatedAt: -1 },
  },
  [OUTBOUND_ATTEMPTS_COLLECTION]: {
    // A delivery's attempts, in order (`outbound show`, the console's delivery page).
    delivery_at: { delivery: 1, at: 1 },
    // A destination's latest attempt (the health column).
    destination_at: { destination: 1, at: -1 },
  },
  [OUTBOUND_EVENTS_COLLECTION]: {
    // A destination's history (`destinations show`).
    destination_at: { destination: 1, at: -1 },
    // The issues inbox: pauses and disables, grouped per destination.
    kind_at: { kind: 1, at: -1 },
  },
  // The leases a destination's attempts compete for, read on every attempt of a `concurrency:` destination.
  [OUTBOUND_LEASES_COLLECTION]: { destination: { destination: 1 } },
  // A destination's buckets in the window, read and pruned on every failed attempt of a `failureRate:` destination.
  [OUTBOUND_WINDOW_COLLECTION]: { destination_start: { destination: 1, start: 1 } },
};

export async function ensureOutboundIndexes(db: Db): Promise<void> {
  for (const [collection, indexes] of Object.entries(OUTBOUND_INDEXES)) await createMissingIndexes(db.collection(collection), indexes);
}
