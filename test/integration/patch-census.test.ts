// The patch census on a real dev server: runs that recorded a patch marker are counted per patch
// id, open and closed-but-retained, through visibility; open runs of a patch's workflow types
// without it are what keeps it patched. `hookflow patches` prints the same as the operator runs it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FLOW_WORKFLOW_TYPE, type FlowRunInput } from '../../engine/contract';
import { PATCHES } from '../../engine/patches';
import { NEW_RUN_PATCH } from '../../workflows/run-flow';
import type { FlowDefinition } from '../../engine/types';
import { patchCensus, type PatchCount } from '../../cli/commands/patches';
import { ROOT, startTestStack, TEST_TASK_QUEUE, type TestStack } from '../helpers/stack';
import { uid } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

let stack: TestStack;
before(async () => { stack = await startTestStack(); });
after(async () => { await stack?.stop(); });

/** What a new run records (today hookflow-run-guards). */
const NEW_RUN = NEW_RUN_PATCH.id;
const REPLAY_KEYS = 'hookflow-replay-keeps-effect-keys';
const flow: FlowDefinition = { name: 'census', version: 'v1', trigger: { source: 'payments', events: ['x'] }, steps: [{ id: 'wait', delay: '1h' }] };

async function start(effectKeysOf?: string) {
  const input: FlowRunInput = { flow, event: { id: uid('evt'), type: 'x', source: 'payments', receivedAt: new Date().toISOString(), body: {} }, ...(effectKeysOf && { effectKeysOf }) };
  return stack.client.workflow.start(FLOW_WORKFLOW_TYPE, { taskQueue: TEST_TASK_QUEUE, workflowId: uid('census'), args: [input] });
}

const byId = (census: PatchCount[]) => Object.fromEntries(census.map((c) => [c.id, c]));
const counts = (c: PatchCount) => [c.open, c.retained, c.openWithout];

test('open and retained runs are counted per patch id; the CLI prints the census of a namespace', async () => {
  const plain = [await start(), await start()];
  const replayed = await start('census:payments:evt_original');
  const runs = [...plain, replayed];
  // Each has recorded its markers once it has started its delay's timer.
  for (const h of runs) await waitFor('the run to sleep', async () => (await h.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes));
  const open = await waitFor('visibility to show three open runs', async () => {
    const c = byId(await patchCensus(stack.client));
    return c[NEW_RUN].open === 3 && c[REPLAY_KEYS].open === 1 && c;
  });
  assert.deepEqual(counts(open[REPLAY_KEYS]), [1, 0, 2], 'two open runFlow runs never needed the replay keys');
  assert.deepEqual(counts(open['hookflow-local-activities']), [0, 0, 3], 'a new run records only the combined marker');
  assert.match(open['hookflow-local-activities'].next, /keep patched: 3 open runs/);
  assert.deepEqual(counts(open['hookflow-gate-recheck-after-drain']), [0, 0, 0]);

  for (const h of runs) await h.terminate('census test');
  const closed = await waitFor('visibility to show them closed', async () => {
    const c = byId(await patchCensus(stack.client));
    return c[NEW_RUN].retained === 3 && c[REPLAY_KEYS].retained === 1 && c;
  });
  assert.deepEqual(counts(closed[NEW_RUN]), [0, 3, 0]);
  assert.equal(closed[NEW_RUN].next, 'may become deprecatePatch');

  const { stdout } = await promisify(execFile)(join(ROOT, 'bin/hookflow'), ['patches', '--address', stack.services.temporalAddress, '--namespace', 'default', '--json'], { cwd: ROOT });
  const printed = JSON.parse(stdout) as { namespace: string; patches: PatchCount[] };
  assert.equal(printed.namespace, 'default');
  assert.deepEqual(printed.patches.map((p) => p.id), PATCHES.map((p) => p.id), 'every live patch id');
  assert.deepEqual(counts(byId(printed.patches)[REPLAY_KEYS]), [0, 1, 0]);
  const text = await promisify(execFile)(join(ROOT, 'bin/hookflow'), ['patches', '--address', stack.services.temporalAddress], { cwd: ROOT });
  assert.match(text.stdout, new RegExp(`${NEW_RUN}\\s+patched\\s+0\\s+3\\s+0\\s+may become deprecatePatch`));
});
