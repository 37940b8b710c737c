// The timeline's reading of a run's history (server/admin/run-history.ts), on recorded histories
// (test/fixtures/histories): local and ordinary steps by their labels, attempts, waits,
// durations, timers and effects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJson } from '../helpers/history-json';
import { defaultPayloadConverter } from '@temporalio/common';
import { ROOT } from '../helpers/paths';
import { runItems } from '../../server/admin/run-history';

const history = (name: string) => historyFromJson(JSON.parse(readFileSync(join(ROOT, 'test/fixtures/histories', name), 'utf8')));
const decode = async (p: unknown) => (p ? defaultPayloadConverter.fromPayload(p as never) : undefined);

test('a payment run: three local steps by their labels with what they wrote, then the email with its Message-ID', async () => {
  const items = await runItems(history('payment-succeeded.json'), decode);
  const steps = items.filter((i) => i.kind === 'step');
  assert.deepEqual(steps.map((s) => [s.name, s.activity, s.local, s.state, s.attempts]), [
    ['mark-order-paid', 'mongo.updateOne', true, 'ok', 1],
    ['decrement-inventory[0]', 'mongo.updateOne', true, 'ok', 1],
    ['decrement-inventory[1]', 'mongo.updateOne', true, 'ok', 1],
    ['email-customer', 'email.send', false, 'ok', 1],
  ]);
  assert.equal(steps[0].effect, 'orders: document written', 'the collection comes from the flow definition the run carries');
  assert.equal(steps[1].effect, 'inventory: document written');
  assert.match(steps[3].effect ?? '', /^sent, Message-ID <[0-9a-f]+@hookflow>$/);
  assert.ok(steps[3].waitMs !== undefined && steps[3].waitMs >= 0, 'the ordinary step: its wait for a worker');
  assert.ok(steps[3].durationMs !== undefined && steps[3].durationMs >= 0, 'and how long it ran');
  for (const s of steps) assert.ok(s.at && !Number.isNaN(Date.parse(s.at)), `${s.name} has its time`);
});

test('a reconciled payment: the wait for the callback as a timer that fired, the failed poll, its backoff, the poll that answered', async () => {
  const items = await runItems(history('payment-created-reconciled.json'), decode);
  const timers = items.filter((i) => i.kind === 'timer');
  assert.ok(timers.length >= 2, JSON.stringify(items, null, 1));
  assert.equal(timers[0].state, 'ok');
  assert.match(timers[0].detail ?? '', /^fired /);
  assert.ok((timers[0].durationMs ?? 0) > 0, 'the timer\'s set duration');
  const polls = items.filter((i) => i.kind === 'step' && !i.local);
  assert.ok(polls.some((p) => p.state === 'failed' && p.detail), 'the failed poll with its reason');
  assert.ok(polls.some((p) => p.state === 'ok' && /^HTTP \d{3}$/.test(p.effect ?? '')), 'the poll that answered, with its HTTP status');
  assert.ok(items.some((i) => i.kind === 'signal'), 'the event signalled into the run');
});

test('a callback that came before its wait ended: the timer ended early', async () => {
  const items = await runItems(history('payment-created.json'), decode);
  const timer = items.find((i) => i.kind === 'timer')!;
  assert.equal(timer.state, 'canceled');
  assert.match(timer.detail ?? '', /ended early/);
});
