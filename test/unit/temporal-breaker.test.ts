// The breaker in front of Temporal starts, on the test's clock: what is tested is which calls
// reach the starter and the probe, in order, never how long anything took.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { UnavailableError } from '../../lib/errors';
import type { Clock } from '../../lib/clock';
import type { RunStarter } from '../../server/starts/planned-runs';
import { createTemporalBreaker } from '../../server/starts/temporal-breaker';

/** A clock whose timers fire only when the test says so. */
function manualClock() {
  const timers = new Map<number, () => void>();
  let nextId = 1;
  const clock: Clock = {
    now: () => 0,
    setTimer: (fn) => { timers.set(nextId, fn); return nextId++; },
    clearTimer: (id) => { timers.delete(id as number); },
  };
  const fireAll = () => { const due = [...timers.values()]; timers.clear(); for (const fn of due) fn(); };
  return { clock, fireAll, pending: () => timers.size };
}

const log = pino({ level: 'silent' });
const flush = () => new Promise((r) => setImmediate(r));

test('open after consecutive transient failures: no call reaches Temporal until a probe gets an answer', async () => {
  const { clock, fireAll, pending } = manualClock();
  let temporalUp = false;
  let starts = 0;
  let probes = 0;
  let closed = 0;
  const starter: RunStarter = async (runs) => {
    starts++;
    if (!temporalUp) throw new UnavailableError('down');
    return runs.map((r) => ({ flow: r.flow.name, workflowId: r.workflowId, duplicate: false }));
  };
  const breaker = createTemporalBreaker({
    log, clock, failuresToOpen: 2, onClose: () => closed++,
    probe: async () => { probes++; if (!temporalUp) throw new Error('still down'); },
  });
  const start = breaker.guard(starter);
  const event = { id: 'e', type: 't', source: 's', receivedAt: '', body: {} };

  await assert.rejects(start([], event), UnavailableError);
  assert.equal(breaker.isOpen(), false, 'one failure does not open it');
  await assert.rejects(start([], event), UnavailableError);
  assert.equal(breaker.isOpen(), true);
  assert.equal(starts, 2);

  for (let i = 0; i < 5; i++) await assert.rejects(start([], event), UnavailableError);
  assert.equal(starts, 2, 'while open, no start reaches Temporal');
  assert.equal(probes, 0, 'the probe waits for its timer');

  fireAll();
  await flush();
  assert.equal(probes, 1);
  assert.equal(breaker.isOpen(), true, 'a probe that fails keeps it open');
  assert.equal(pending(), 1, 'and schedules the next probe');

  temporalUp = true;
  fireAll();
  await flush();
  assert.equal(probes, 2);
  assert.equal(breaker.isOpen(), false, 'a probe that is answered closes it');
  assert.equal(closed, 1, 'and wakes the relay');
  assert.equal(pending(), 0, 'no probe while closed');
  await start([], event);
  assert.equal(starts, 3, 'starts go through again');
  breaker.stop();
});

test('a success in between resets the count; a refusal for good does not open it', async () => {
  const { clock } = manualClock();
  const outcomes: (Error | undefined)[] = [new UnavailableError('x'), undefined, new UnavailableError('x'), new Error('refused'), new Error('refused')];
  const breaker = createTemporalBreaker({ log, clock, failuresToOpen: 2, probe: async () => undefined });
  const start = breaker.guard(async () => { const e = outcomes.shift(); if (e) throw e; return []; });
  const event = { id: 'e', type: 't', source: 's', receivedAt: '', body: {} };
  await start([], event).catch(() => undefined);
  await start([], event);
  await start([], event).catch(() => undefined);
  assert.equal(breaker.isOpen(), false, 'failure, success, failure: not two in a row');
  await start([], event).catch(() => undefined);
  await start([], event).catch(() => undefined);
  assert.equal(breaker.isOpen(), false, 'errors other than unavailable say nothing about reachability');
  breaker.stop();
});
