// Admin API filters: accepted forms, clear errors, and paging that continues where it stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadQueryError, FILTER_PARAMS, encodeCursor, parseDeliveryFilter, parsePage, parseTime, rejectUnknown, toMongoFilter } from '../../server/admin/filters';
import { parseRunStatus, visibilityQuery } from '../../server/admin/bulk-replay';

const now = new Date('2026-11-23T12:34:56Z');

test('times are ISO or HH:MM today (UTC)', () => {
  assert.equal(parseTime('09:00', 'since', now).toISOString(), '2026-11-23T09:00:00.000Z');
  assert.equal(parseTime('2026-11-20T08:00:00Z', 'since', now).toISOString(), '2026-11-20T08:00:00.000Z');
  assert.throws(() => parseTime('yesterday', 'since', now), (e: Error) => e instanceof BadQueryError && /"since" must be/.test(e.message));
});

test('filters become one MongoDB filter; bad values are 400s that name the parameter', () => {
  const f = parseDeliveryFilter({ source: 'payments', type: 'payment.succeeded', outcome: 'rejected', reason: 'signature_invalid', flow: 'payment-succeeded', since: '09:00' }, now);
  assert.deepEqual(toMongoFilter(f), {
    $and: [
      { source: 'payments' }, { eventType: 'payment.succeeded' }, { outcome: 'rejected' }, { reason: 'signature_invalid' },
      { 'runs.flow': 'payment-succeeded' }, { receivedAt: { $gte: new Date('2026-11-23T09:00:00Z') } },
    ],
  });
  assert.deepEqual(toMongoFilter(parseDeliveryFilter({}, now)), {});
  assert.throws(() => parseDeliveryFilter({ outcome: 'lost' }), /"outcome" must be one of/);
  assert.throws(() => parseDeliveryFilter({ source: ['a', 'b'] }), /given 2 times/);
  assert.throws(() => parseDeliveryFilter({ since: '10:00', until: '09:00' }, now), /after "until"/);
});

test('a cursor round-trips and continues strictly after the last item', () => {
  const last = { _id: 'payments:evt_9', receivedAt: new Date('2026-11-23T10:00:00Z') };
  const page = parsePage({ limit: '2', cursor: encodeCursor(last) });
  assert.deepEqual(page, { limit: 2, cursor: { receivedAt: last.receivedAt, id: last._id } });
  assert.deepEqual(toMongoFilter({}, page), {
    $and: [{ $or: [{ receivedAt: { $lt: last.receivedAt } }, { receivedAt: last.receivedAt, _id: { $lt: last._id } }] }],
  });
  assert.throws(() => parsePage({ cursor: 'garbage' }), /not one this API gave out/);
  assert.throws(() => parsePage({ limit: '0' }), /"limit" must be/);
});

test('unknown parameters are refused, so a typo never widens a list or a bulk replay', () => {
  assert.doesNotThrow(() => rejectUnknown({ source: 'payments', since: '09:00' }, FILTER_PARAMS));
  assert.throws(() => rejectUnknown({ sinse: '09:00', flw: 'x' }, FILTER_PARAMS), /unknown parameters "sinse", "flw"; known: source/);
});

test('bulk selection by run status becomes a visibility query on the hookflow search attributes', () => {
  const filter = { ...parseDeliveryFilter({ flow: 'payment-succeeded', source: 'payments', since: '09:00' }, now), status: parseRunStatus('failed')! };
  assert.equal(visibilityQuery(filter), 'ExecutionStatus = "Failed" AND HookflowFlow = "payment-succeeded" AND HookflowSource = "payments" AND StartTime >= "2026-11-23T09:00:00.000Z"');
  assert.throws(() => parseRunStatus('broken'), /"status" must be one of failed, timedout/);
  assert.throws(() => visibilityQuery({ status: 'failed', flow: 'x" OR 1=1' }), /may only hold letters/);
});
