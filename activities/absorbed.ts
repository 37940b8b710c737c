// Records on the delivery records of events absorbed by debounce or batch which run took them in
// (`absorbed.<flow>: { as, by, at }`), so the admin API and `hookflow deliveries` show where an
// event went, and counts them. Only records not marked yet are written and counted: a retried
// attempt, or one run again because the collector's workflow task was retried, counts nothing
// twice (a counter in workflow code would count again on a retried workflow task).
import { metricMeter } from '@temporalio/activity';
import type { Db } from 'mongodb';
import { ABSORBED_AS, ABSORBED_METRIC, type AbsorbedEvents, RECORD_ABSORBED_ACTIVITY } from '../engine/collect-contract';

/** The ingress's delivery store (server/deliveries/record.ts DELIVERIES_COLLECTION; activities cannot import server/). */
const DELIVERIES = 'hookflow_deliveries';

export function absorbedActivities(deps: { db: Db }) {
  return {
    async [RECORD_ABSORBED_ACTIVITY]({ source, flow, eventIds, as, by }: AbsorbedEvents): Promise<void> {
      if (!eventIds.length) return;
      const field = `absorbed.${flow}`;
      // The first delivery of an event has the id "<source>:<event id>" (server/deliveries/record.ts).
      const { modifiedCount } = await deps.db.collection<{ _id: string }>(DELIVERIES).updateMany(
        { _id: { $in: eventIds.map((id) => `${source}:${id}`) }, [field]: { $exists: false } },
        { $set: { [field]: { as, by, at: new Date() } } },
      );
      const control = as === ABSORBED_AS.batch ? 'batch' : 'debounce';
      if (modifiedCount) metricMeter.createCounter(ABSORBED_METRIC, 'events', 'Events absorbed into another event\'s run, by flow and control (debounce, batch).').add(modifiedCount, { flow, control });
    },
  };
}
