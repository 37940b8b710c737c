// A 2xx promises the event is durable: the delivery record and the signed-body key are written
// with { w: 'majority', j: true }, seen on the wire (the driver's command monitoring), and the real
// FerretDB build accepts that write concern.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type CommandStartedEvent, MongoClient } from 'mongodb';
import { DeliveryStore } from '../../server/deliveries/store';
import { DELIVERIES_COLLECTION, type DeliveryRecord } from '../../server/deliveries/record';
import { SIGNED_BODIES_COLLECTION } from '../../server/deliveries/signed-bodies';
import { type BareFerretDb, startBareFerretDb } from '../helpers/bare-ferretdb';
import { paymentSucceeded, uid } from '../helpers/events';
import { TEST_DELIVERY_SETTINGS } from '../helpers/ingress';

let ferret: BareFerretDb;
let client: MongoClient;
const commands: CommandStartedEvent[] = [];
before(async () => {
  ferret = await startBareFerretDb('durability');
  client = await MongoClient.connect(ferret.ferret.uri, { monitorCommands: true });
  client.on('commandStarted', (e) => commands.push(e));
});
after(async () => {
  await client?.close();
  await ferret?.stop();
});

function acceptedRecord(): DeliveryRecord {
  const event = paymentSucceeded({ orderId: uid('ord'), items: [{ sku: 's', quantity: 1 }] });
  const raw = JSON.stringify(event);
  const now = new Date();
  return {
    _id: `payments:${event.id}`, source: 'payments', eventId: event.id, eventType: event.type, receivedAt: now, outcome: 'accepted', status: 202,
    runs: [{ flow: 'payment-succeeded', workflowId: `payment-succeeded:payments:${event.id}` }], body: { text: raw, encoding: 'utf8', bytes: raw.length, truncated: false },
    relay: { state: 'pending', attempts: 1, nextAttemptAt: now, leaseUntil: now }, expiresAt: new Date(now.getTime() + 3_600_000),
  };
}

test('delivery records and signed-body keys are written with w: majority, j: true, and FerretDB stores them', async () => {
  const store = new DeliveryStore(client.db(uid('durable')), TEST_DELIVERY_SETTINGS);
  const record = acceptedRecord();
  assert.equal(await store.insertOriginal(record, uid('signed')), undefined, 'stored as a first delivery');
  const ignored = { ...acceptedRecord(), outcome: 'ignored' as const, status: 200 };
  await store.insert(ignored);

  const writes = commands.filter((c) => c.commandName === 'insert' && [DELIVERIES_COLLECTION, SIGNED_BODIES_COLLECTION].includes(c.command.insert));
  assert.deepEqual([...new Set(writes.map((c) => c.command.insert))].sort(), [DELIVERIES_COLLECTION, SIGNED_BODIES_COLLECTION].sort());
  for (const c of writes) assert.deepEqual(c.command.writeConcern, { w: 'majority', j: true, wtimeout: 5000 }, `${c.command.insert}: ${JSON.stringify(c.command.writeConcern)}`);
  assert.equal(await store.collection.countDocuments({ _id: { $in: [record._id, ignored._id] } }), 2, 'FerretDB accepted the write concern and stored both');
});
