// The Health page's worker rows (server/console/worker-health.ts): a worker's /metrics read into
// polling, slots and its last task over deadline, and when that is a stall; HOOKFLOW_WORKER_OPS_URLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/errors';
import { loadConfig } from '../../lib/config';
import { createWorkerMetrics } from '../../lib/metrics';
import { parseMetrics, workerRowOf } from '../../server/console/worker-health';

const now = new Date('2026-12-06T12:00:00Z');
const scrape = (over: { polling?: number; available?: number; lastOver?: number }) => `# HELP hookflow_worker_polling x
hookflow_worker_polling ${over.polling ?? 1}
temporal_worker_task_slots_available{namespace="default",task_queue="q",worker_type="ActivityWorker"} 100
temporal_worker_task_slots_available{namespace="default",task_queue="q",worker_type="WorkflowWorker"} ${over.available ?? 9}
temporal_worker_task_slots_used{namespace="default",task_queue="q",worker_type="WorkflowWorker"} ${10 - (over.available ?? 9)}
hookflow_worker_workflow_tasks_over_deadline_total 2
hookflow_worker_last_workflow_task_over_deadline_seconds ${over.lastOver ?? 0}
`;

test('a polling worker with free slots and no recent task over deadline is fine', () => {
  const row = workerRowOf('http://w:3001', scrape({ lastOver: now.getTime() / 1000 - 3600 }), now);
  assert.deepEqual({ polling: row.polling, used: row.slotsUsed, free: row.slotsAvailable, over: row.overDeadline, stalled: row.stalled }, { polling: true, used: 1, free: 9, over: 2, stalled: [] });
});

test('not polling, no free workflow-task slot, or a task over deadline within 5 minutes: stalled', () => {
  assert.deepEqual(workerRowOf('u', scrape({ polling: 0 }), now).stalled, ['not polling']);
  assert.deepEqual(workerRowOf('u', scrape({ available: 0 }), now).stalled, ['every workflow-task slot in use']);
  assert.deepEqual(workerRowOf('u', scrape({ lastOver: now.getTime() / 1000 - 60 }), now).stalled, ['a workflow task ran past its deadline in the last 5 min']);
});

test('the worker\'s metrics record when a workflow task last ran past its deadline', async () => {
  const metrics = createWorkerMetrics();
  const before = parseMetrics(await metrics.registry.metrics()).find((m) => m.name === 'hookflow_worker_last_workflow_task_over_deadline_seconds');
  assert.equal(before?.value, 0);
  metrics.workflowTasksOverDeadline.inc();
  const after = parseMetrics(await metrics.registry.metrics());
  assert.equal(after.find((m) => m.name === 'hookflow_worker_workflow_tasks_over_deadline_total')?.value, 1);
  assert.ok(Math.abs(after.find((m) => m.name === 'hookflow_worker_last_workflow_task_over_deadline_seconds')!.value - Date.now() / 1000) < 60);
});

test('HOOKFLOW_WORKER_OPS_URLS lists http(s)://host:port endpoints', () => {
  assert.deepEqual(loadConfig({}).workerOpsUrls, []);
  assert.deepEqual(loadConfig({ HOOKFLOW_WORKER_OPS_URLS: 'http://worker-1:3001, http://10.0.0.7:3001/' }).workerOpsUrls, ['http://worker-1:3001', 'http://10.0.0.7:3001/']);
  assert.throws(() => loadConfig({ HOOKFLOW_WORKER_OPS_URLS: 'worker-1:3001' }), (err: unknown) => err instanceof ConfigError && /HOOKFLOW_WORKER_OPS_URLS must list/.test(err.message));
});
