// npm run chaos's options: scenarios chosen by name (in the harness's order), counts scaled, and
// a wrong option refused with what it takes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLUSTER_SCENARIOS, SCENARIOS, chaosOptions, scaled } from '../../chaos/options';

test('no options: every scenario at full scale', () => {
  const o = chaosOptions([]);
  assert.deepEqual(o.only, [...SCENARIOS]);
  assert.equal(o.scale, 1);
});

test('--only and --scale, in both spellings; scenarios keep the harness order', () => {
  const o = chaosOptions(['--only', 'soak,hot-document', '--scale=0.2']);
  assert.deepEqual(o.only, ['hot-document', 'soak']);
  assert.equal(o.scale, 0.2);
});

test('an unknown scenario, a bad scale or an unknown flag is refused with what it takes', () => {
  assert.throws(() => chaosOptions(['--only', 'hot-doc']), /--only takes duplicate-storm, .*got "hot-doc"/);
  assert.throws(() => chaosOptions(['--scale', '0']), /--scale takes a positive number, got "0"/);
  assert.throws(() => chaosOptions(['--sclae', '2']), /unknown option --sclae/);
});

test('scaled counts round and never drop below their minimum', () => {
  assert.equal(scaled(300, 0.2), 60);
  assert.equal(scaled(5, 0.1), 1);
  assert.equal(scaled(50, 0.01, 5), 5);
});

test('--topology cluster takes the cluster faults; a single-process scenario there (or a bad topology) is refused', () => {
  const o = chaosOptions(['--topology', 'cluster']);
  assert.equal(o.topology, 'cluster');
  assert.deepEqual(o.only, [...CLUSTER_SCENARIOS]);
  assert.deepEqual(chaosOptions(['--topology=cluster', '--only', 'postgres-kill,history-kill']).only, ['history-kill', 'postgres-kill']);
  assert.equal(chaosOptions([]).topology, 'single');
  assert.throws(() => chaosOptions(['--topology', 'cluster', '--only', 'soak']), /--only takes history-kill, .* with --topology cluster, got "soak"/);
  assert.throws(() => chaosOptions(['--topology', 'k8s']), /--topology takes single or cluster, got "k8s"/);
});
