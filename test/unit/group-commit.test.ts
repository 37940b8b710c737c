// Group commit (server/deliveries/group-commit.ts): which items go in which write. The writer is a
// stand-in that records its batches and returns when the test says; the linger timer is the
// test's, so what is tested is the batching, never how long anything took.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit, type LingerTimer } from '../../server/deliveries/group-commit';

/** A writer whose writes the test finishes one by one. */
function heldWriter() {
  const batches: string[][] = [];
  const finish: (() => void)[] = [];
  const write = (items: string[]) => {
    batches.push(items);
    return new Promise<(string | Error)[]>((resolve) => finish.push(() => resolve(items.map((i) => (i.startsWith('bad') ? new Error(`refused ${i}`) : `ok ${i}`)))));
  };
  return { write, batches, finishNext: () => finish.shift()!() };
}

function manualTimer() {
  const timers = new Map<number, () => void>();
  let next = 1;
  const timer: LingerTimer = { set: (fn) => { timers.set(next, fn); return next++; }, clear: (id) => { timers.delete(id as number); } };
  const fire = () => {
    assert.equal(timers.size, 1, 'one linger timer is pending');
    const [[id, fn]] = [...timers];
    timers.delete(id);
    fn();
  };
  return { timer, fire, pending: () => timers.size };
}

const turn = () => new Promise((r) => setImmediate(r));

test('without linger a lone item is written at once, and what arrives meanwhile goes in the next write', async () => {
  const w = heldWriter();
  const commit = new GroupCommit(w.write);
  const a = commit.submit('a');
  assert.deepEqual(w.batches, [['a']]);
  const rest = [commit.submit('b'), commit.submit('bad-c'), commit.submit('d')];
  assert.equal(w.batches.length, 1, 'one write in flight at a time');
  w.finishNext();
  assert.equal(await a, 'ok a');
  await turn();
  assert.deepEqual(w.batches, [['a'], ['b', 'bad-c', 'd']]);
  w.finishNext();
  const settled = await Promise.allSettled(rest);
  assert.deepEqual(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)), ['ok b', 'refused bad-c', 'ok d']);
});

test('with linger the first item waits for the timer, and every item submitted until then shares its write', async () => {
  const w = heldWriter();
  const t = manualTimer();
  const commit = new GroupCommit(w.write, { lingerMs: 50, timer: t.timer });
  const all = ['a', 'b', 'c'].map((i) => commit.submit(i));
  assert.equal(w.batches.length, 0, 'nothing written before the linger ends');
  assert.equal(t.pending(), 1, 'one timer for the whole batch');
  t.fire();
  assert.deepEqual(w.batches, [['a', 'b', 'c']]);
  w.finishNext();
  assert.deepEqual(await Promise.all(all), ['ok a', 'ok b', 'ok c']);
});

test('a full batch does not wait for the linger', async () => {
  const w = heldWriter();
  const t = manualTimer();
  const commit = new GroupCommit(w.write, { lingerMs: 50, maxBatch: 3, timer: t.timer });
  const all = ['a', 'b', 'c'].map((i) => commit.submit(i));
  assert.deepEqual(w.batches, [['a', 'b', 'c']]);
  assert.equal(t.pending(), 0, 'the linger timer is cleared');
  w.finishNext();
  await Promise.all(all);
});

test('flush writes lingering items at once and resolves when they are written', async () => {
  const w = heldWriter();
  const t = manualTimer();
  const commit = new GroupCommit(w.write, { lingerMs: 50, timer: t.timer });
  const a = commit.submit('a');
  let flushed = false;
  const flush = commit.flush().then(() => { flushed = true; });
  assert.deepEqual(w.batches, [['a']], 'written without waiting for the timer');
  assert.equal(t.pending(), 0);
  await turn();
  assert.equal(flushed, false, 'flush waits for the write to return');
  w.finishNext();
  await flush;
  assert.equal(await a, 'ok a');
  await commit.flush(); // nothing waiting: resolves at once
  assert.equal(w.batches.length, 1);
});
