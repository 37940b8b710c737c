// Admin API filters: accepted forms, clear errors, and paging that continues where it stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadQueryError, FILTER_PARAMS, encodeCursor, parseDeliveryFilter, parsePage, parseTime, rejectUnknown, toMongoFilter } from '../../server/admin/filters';
import { parseRunStatus, visibilityQuery } from '../../server/admin/bulk-replay';

test('times are instants with their zone; one without a zone is refused, not read as UTC or as the server\'s zone', () => {
  assert.equal(parseTime('2026-11-20T08:00:00Z', 'since').toISOString(), '2026-11-20T08:00:00.000Z');
  assert.equal(parseTime('2026-11-20T09:00+01:00', 'until').toISOString(), '2026-11-20T08:00:00.000Z');
  assert.equal(parseTime('2026-11-20T09:00:00.500+0100', 'since').toISOString(), '2026-11-20T08:00:00.500Z');
  for (const local of ['09:00', '9:00', '09:00:30', '2026-11-20', '2026-11-20T09:00', '2026-11-20 09:00:00']) {
    assert.throws(() => parseTime(local, 'since'), (e: Error) => e instanceof BadQueryError && e.message.startsWith(`"since" ${local} has no time zone, and the ingress cannot know yours: give an instant such as 2026-11-23T09:00:00Z`) && e.message.includes(`bin/hookflow --since ${local} reads it as your local time`), local);
  }
  for (const bad of ['yesterday', '2026-11-20T25:00Z', 'Nov 20 2026 09:00 GMT']) {
    assert.throws(() => parseTime(bad, 'until'), (e: Error) => e instanceof BadQueryError && /^"until" must be an ISO date-time with its zone/.test(e.message), bad);
  }
});

test('filters become one MongoDB filter; bad values are 400s that name the parameter', () => {
  const f = parseDeliveryFilter({ source: 'payments', type: 'payment.succeeded', outcome: 'rejected', reason: 'signature_invalid', flow: 'payment-succeeded', since: '2026-11-23T09:00:00Z' });
  assert.deepEqual(toMongoFilter(f), {
    $and: [
      { source: 'payments' }, { eventType: 'payment.succeeded' }, { outcome: 'rejected' }, { reason: 'signature_invalid' },
      { 'runs.flow': 'payment-succeeded' }, { receivedAt: { $gte: new Date('2026-11-23T09:00:00Z') } },
    ],
  });
  assert.deepEqual(toMongoFilter(parseDeliveryFilter({})), {});
  assert.throws(() => parseDeliveryFilter({ outcome: 'lost' }), /"outcome" must be one of/);
  assert.throws(() => parseDeliveryFilter({ source: ['a', 'b'] }), /given 2 times/);
  assert.throws(() => parseDeliveryFilter({ since: '2026-11-23T10:00Z', until: '2026-11-23T09:00Z' }), /after "until"/);
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
  const filter = { ...parseDeliveryFilter({ flow: 'payment-succeeded', source: 'payments', since: '2026-11-23T10:00+01:00' }), status: parseRunStatus('failed')! };
  assert.equal(visibilityQuery(filter), 'ExecutionStatus = "Failed" AND HookflowFlow = "payment-succeeded" AND HookflowSource = "payments" AND StartTime >= "2026-11-23T09:00:00.000Z"');
  assert.throws(() => parseRunStatus('broken'), /"status" must be one of failed, timedout/);
  assert.throws(() => visibilityQuery({ status: 'failed', flow: 'x" OR 1=1' }), /may only hold letters/);
});
