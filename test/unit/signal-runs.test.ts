// What signal-with-start sends for each kind of keyed route: the workflow type, its input, the
// summary, the memo's key field and the search attributes the Temporal UI lists. The client is a
// recorder (this checks the request hookflow builds; the workflow tests run it for real).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Client } from '@temporalio/client';
import { signalRun } from '../../server/starts/signal-runs';
import type { FlowDefinition, FlowEvent } from '../../engine/types';
import type { RunRoute } from '../../engine/routing';

const flow = { name: 'f', version: 'v1', trigger: { source: 'payments', events: ['x'] }, steps: [] } as unknown as FlowDefinition;
const event: FlowEvent = { id: 'e1', type: 'x', source: 'payments', receivedAt: '2026-01-01T00:00:00Z', body: {} };

async function sent(route: RunRoute): Promise<Record<string, unknown>> {
  let request: Record<string, unknown> = {};
  const client = {
    connection: { withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn() },
    workflow: { signalWithStart: async (type: string, opts: Record<string, unknown>) => { request = { type, ...opts }; return { signaledRunId: 'r1' }; } },
  } as unknown as Client;
  await signalRun(client, { taskQueue: 'q', log: pino({ level: 'silent' }), deadlineMs: 1000 }, { flow, workflowId: 'wf', route }, event);
  const attributes = (request.typedSearchAttributes as { key: { name: string }; value: unknown }[]).slice(3).map((a) => [a.key.name, a.value]);
  return { type: request.type, args: request.args, summary: request.staticSummary, memo: request.memo, attributes };
}

test('each route kind starts its own workflow type, named and searchable by its key', async () => {
  assert.deepEqual(await sent({ kind: 'correlated', key: 'k' }), {
    type: 'runCorrelatedFlow', args: [{ flow, source: 'payments', key: 'k' }], summary: 'f for correlation key k (payments)',
    memo: { flowVersion: 'v1', correlationKey: 'k' }, attributes: [['HookflowCorrelationKey', 'k']],
  });
  assert.deepEqual(await sent({ kind: 'entity', key: 'k', eventWorkflowId: 'wf:e1' }), {
    type: 'runEntityFlow', args: [{ flow: 'f', source: 'payments', key: 'k' }], summary: 'f for entity key k (payments)',
    memo: { flowVersion: 'v1', entityKey: 'k' }, attributes: [['HookflowEntityKey', 'k']],
  });
  assert.deepEqual(await sent({ kind: 'gated', key: '', eventWorkflowId: 'wf-e1' }), {
    type: 'runGatedFlow', args: [{ flow: 'f', source: 'payments', key: '' }], summary: 'f: gate of the flow (payments)',
    memo: { flowVersion: 'v1', gateKey: '' }, attributes: [],
  });
  assert.equal((await sent({ kind: 'gated', key: 'k', eventWorkflowId: 'wf-e1' })).summary, 'f: gate for key k (payments)');
  assert.deepEqual(await sent({ kind: 'debounce', key: 'k', eventWorkflowId: 'wf-e1' }), {
    type: 'runCollector', args: [{ flow: 'f', source: 'payments', key: 'k', control: 'debounce' }], summary: 'f for debounce key k (payments)',
    memo: { flowVersion: 'v1', debounceKey: 'k' }, attributes: [['HookflowOutcome', 'debouncing']],
  });
  assert.deepEqual((await sent({ kind: 'batch', key: 'k', eventWorkflowId: 'wf-e1' })).attributes, [['HookflowOutcome', 'batching']]);
  assert.deepEqual((await sent({ kind: 'batch', key: 'k', eventWorkflowId: 'wf-e1' })).memo, { flowVersion: 'v1', batchKey: 'k' });
});
