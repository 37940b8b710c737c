// How a failed run is grouped (pure): the step comes from the label of the activity that failed
// (its summary in the history) or from the failure's "step X:" message; the error type from the
// innermost failure; ReconciliationExhausted groups by flow alone. And an issue's status as shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPayloadConverter } from '@temporalio/common';
import { classifyFailure, stepOfLabel } from '../../server/admin/issues/scan';
import { effectiveStatus, issueId } from '../../server/admin/issues/store';

const scheduled = (eventId: number, summary: string) => ({ eventId: eventId as never, userMetadata: { summary: defaultPayloadConverter.toPayload(summary) as never } });

test('an activity failure: the step of the label its activity was scheduled with, the innermost error type', () => {
  const failure = {
    message: 'Activity task failed',
    activityFailureInfo: { scheduledEventId: 11 as never, activityType: { name: 'http.request' } },
    cause: { message: 'answered 400', applicationFailureInfo: { type: 'HttpClientError', nonRetryable: true } },
  };
  const found = classifyFailure('tell-ledger', failure, [scheduled(5, 'other-step'), scheduled(11, 'reserve[2]#3')]);
  assert.deepEqual(found, { kind: 'run_failed', key: { flow: 'tell-ledger', step: 'reserve', errorType: 'HttpClientError' }, step: 'reserve', errorType: 'HttpClientError', message: 'answered 400' });
});

test('a workflow-level failure: the step named by its message; reconciliation exhausted groups by flow', () => {
  const expression = classifyFailure('f', { message: 'step total: cannot read x', applicationFailureInfo: { type: 'ExpressionError' } }, []);
  assert.deepEqual([expression.kind, expression.key], ['run_failed', { flow: 'f', step: 'total', errorType: 'ExpressionError' }]);
  const exhausted = classifyFailure('payment-created', { message: 'step await-payment: no payment.succeeded after 3 reconciliation rounds', applicationFailureInfo: { type: 'ReconciliationExhausted' } }, []);
  assert.deepEqual([exhausted.kind, exhausted.key, exhausted.step], ['reconciliation_exhausted', { flow: 'payment-created' }, 'await-payment']);
  assert.equal(classifyFailure('f', { message: 'boom', timeoutFailureInfo: {} }, []).errorType, 'Timeout');
});

test('labels of repeated, per-item and compensation calls belong to their step', () => {
  assert.deepEqual(['notify', 'reserve[0]', 'poll#2', 'reserve[1].compensate'].map(stepOfLabel), ['notify', 'reserve', 'poll', 'reserve']);
});

test('status: a resolved issue seen again after it was resolved is open; acknowledged and ignored stay', () => {
  const at = new Date('2026-12-01T10:00:00Z');
  const before = new Date('2026-12-01T09:59:00Z');
  const later = new Date('2026-12-01T10:01:00Z');
  assert.equal(effectiveStatus(undefined, later), 'open');
  assert.equal(effectiveStatus({ status: 'resolved', statusAt: at }, before), 'resolved');
  assert.equal(effectiveStatus({ status: 'resolved', statusAt: at }, later), 'open');
  assert.equal(effectiveStatus({ status: 'ignored', statusAt: at }, later), 'ignored');
  assert.equal(effectiveStatus({ status: 'acknowledged', statusAt: at }, later), 'acknowledged');
});

test('issue ids are stable per group and differ between groups', () => {
  assert.equal(issueId('run_failed', { flow: 'a', step: 'b', errorType: 'E' }), issueId('run_failed', { errorType: 'E', step: 'b', flow: 'a' }));
  assert.notEqual(issueId('run_failed', { flow: 'a', step: 'b', errorType: 'E' }), issueId('run_failed', { flow: 'a', step: 'c', errorType: 'E' }));
  assert.match(issueId('rejection', { source: 's', reason: 'r' }), /^rej-[0-9a-f]{16}$/);
});
