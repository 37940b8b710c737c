// The recording of events absorbed by debounce or batch (activities/absorbed.ts) on the real
// FerretDB build: an attempt run again — a retry, or the collector's workflow task retried after
// a worker stall — marks nothing twice and counts nothing twice.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { noopMetricMeter, type MetricMeter, type MetricTags } from '@temporalio/common';
import type { Db } from 'mongodb';
import { absorbedActivities } from '../../activities/absorbed';
import { ABSORBED_METRIC, RECORD_ABSORBED_ACTIVITY, type AbsorbedEvents } from '../../engine/collect-contract';
import { uid } from '../helpers/events';
import { type BareFerretDb, startBareFerretDb } from '../helpers/bare-ferretdb';

let mongo: BareFerretDb;
let db: Db;

before(async () => {
  mongo = await startBareFerretDb('absorbed-recording');
  db = mongo.client.db('absorbed');
});

after(async () => {
  await mongo?.stop();
});

/** A meter that remembers what was added to the absorbed counter. */
function countingMeter(added: { value: number; tags?: MetricTags }[]): MetricMeter {
  const meter = Object.create(noopMetricMeter) as MetricMeter;
  meter.createCounter = (name: string) => {
    const counter = noopMetricMeter.createCounter(name);
    return Object.assign(Object.create(counter) as typeof counter, {
      add: (value: number, tags?: MetricTags) => { if (name === ABSORBED_METRIC) added.push({ value, tags }); },
    });
  };
  return meter;
}

async function record(events: AbsorbedEvents, attempt: number, added: { value: number; tags?: MetricTags }[]): Promise<void> {
  const env = new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR'), metricMeter: countingMeter(added) });
  await env.run(absorbedActivities({ db })[RECORD_ABSORBED_ACTIVITY], events);
}

test('absorbed events are marked and counted once, however often the recording runs', async () => {
  const ids = [uid('evt'), uid('evt'), uid('evt')];
  const deliveries = db.collection<{ _id: string; absorbed?: Record<string, { as: string; by: string }> }>('hookflow_deliveries');
  await deliveries.insertMany(ids.map((id) => ({ _id: `payments:${id}` })));
  const events: AbsorbedEvents = { source: 'payments', flow: 'order-sync', eventIds: ids.slice(0, 2), as: 'debounced', by: 'order-sync:payments:last' };
  const added: { value: number; tags?: MetricTags }[] = [];

  await record(events, 1, added);
  await record(events, 2, added); // a retry, or the same recording after the collector's workflow task was retried
  await record({ ...events, eventIds: ids }, 1, added); // a later recording that names one more event

  assert.deepEqual(added.map((a) => [a.value, a.tags?.flow, a.tags?.control]), [[2, 'order-sync', 'debounce'], [1, 'order-sync', 'debounce']]);
  const marked = await deliveries.find({ _id: { $in: ids.map((id) => `payments:${id}`) } }).toArray();
  assert.deepEqual(marked.map((d) => d.absorbed?.['order-sync']?.by), ids.map(() => 'order-sync:payments:last'));
});
