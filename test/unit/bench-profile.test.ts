// The --cpu-prof summary: self time per function and area, idle and start-up left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type CpuProfile, areaOf, summarizeProfile } from '../../bench/profile';

const ROOT = '/srv/hookflow';

test('scripts are grouped by package, Node internals, project file or V8', () => {
  assert.equal(areaOf('file:///srv/hookflow/node_modules/@grpc/grpc-js/build/src/x.js', 'f', ROOT), '@grpc/grpc-js');
  assert.equal(areaOf('/srv/hookflow/node_modules/koa/lib/response.js', 'set', ROOT), 'koa');
  assert.equal(areaOf('node:internal/crypto/hash', 'Hmac', ROOT), 'Node.js internals');
  assert.equal(areaOf('file:///srv/hookflow/server/app.ts', 'x', ROOT), 'hookflow server/app.ts');
  assert.equal(areaOf('', '(garbage collector)', ROOT), 'V8 garbage collector');
  assert.equal(areaOf('', 'writev', ROOT), 'V8 / native');
});

test('self time is the time until the next sample; idle and samples before the cut are left out', () => {
  const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 9 });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('verify', 'file:///srv/hookflow/server/verification/hmac.ts') },
      { id: 4, callFrame: frame('parse', 'file:///srv/hookflow/node_modules/ajv/dist/x.js') },
    ],
    startTime: 0,
    endTime: 10_000,
    // sample times (µs): 1000 (start-up, skipped), 3000, 4000, 6000, 7000, 10000
    samples: [4, 3, 4, 2, 3, 3],
    timeDeltas: [1000, 2000, 1000, 2000, 1000, 3000],
  };
  const s = summarizeProfile(profile, { projectRoot: ROOT, fromUs: 2000 });
  // after the skip: verify@3000 → 1 ms, parse@4000 → 2 ms, idle@6000 → 1 ms, verify@7000 → 3 ms
  assert.equal(s.busyMs, 6);
  assert.equal(s.idleMs, 1);
  assert.deepEqual(s.topFunctions.map((f) => [f.name, f.selfMs]), [['verify server/verification/hmac.ts:10', 4], ['parse ajv/dist/x.js:10', 2]]);
  assert.deepEqual(s.byArea.map((a) => [a.name, Math.round(a.pct)]), [['hookflow server/verification/hmac.ts', 67], ['ajv', 33]]);
});
