// The destinations' breaker states as the store has them, for the state gauge every worker serves
// (lib/destination-state-gauge.ts reads them on each scrape): one small read of the state
// documents; a configured destination without one is active.
import type { Db } from 'mongodb';
import type { ReadDestinationStates } from '../lib/destination-state-gauge';
import { DESTINATION_STATE_COLLECTION, type DestinationStateDoc } from '../engine/outbound-records';

export function destinationStatesReader(db: Db, names: () => string[]): ReadDestinationStates {
  const states = db.collection<DestinationStateDoc>(DESTINATION_STATE_COLLECTION);
  return async () => {
    const stored = new Map((await states.find({}, { projection: { state: 1 } }).toArray()).map((d) => [d._id, d.state]));
    return names().map((destination) => ({ destination, state: stored.get(destination) ?? 'active' }));
  };
}
