// Records on the delivery records of events absorbed by debounce or batch which run took them in
// (`absorbed.<flow>: { as, by, at }`), so the admin API and `hookflow deliveries` show where an
// event went. A $set by id: a retried attempt writes the same thing again.
import type { Db } from 'mongodb';
import { type AbsorbedEvents, RECORD_ABSORBED_ACTIVITY } from '../engine/collect-contract';

/** The ingress's delivery store (server/deliveries/record.ts DELIVERIES_COLLECTION; activities cannot import server/). */
const DELIVERIES = 'hookflow_deliveries';

export function absorbedActivities(deps: { db: Db }) {
  return {
    async [RECORD_ABSORBED_ACTIVITY]({ source, flow, eventIds, as, by }: AbsorbedEvents): Promise<void> {
      if (!eventIds.length) return;
      // The first delivery of an event has the id "<source>:<event id>" (server/deliveries/record.ts).
      await deps.db.collection<{ _id: string }>(DELIVERIES).updateMany(
        { _id: { $in: eventIds.map((id) => `${source}:${id}`) } },
        { $set: { [`absorbed.${flow}`]: { as, by, at: new Date() } } },
      );
    },
  };
}
