// A workflow interceptor module (registered by worker/create-worker.ts): counts finished flow runs
// by flow on the workflow's metricMeter, which the worker's SDK Prometheus exporter serves. The SDK
// drops metric updates during replay, so a run is counted once however often it is replayed.
// Deterministic: only @temporalio/workflow and types.
import { ApplicationFailure, ContinueAsNew, TemporalFailure, isCancellation, metricMeter, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { FlowRunInput } from '../engine/contract';

/** Metric names as written; the exporter adds its prefix (temporal_) and type suffixes. */
export const RUN_METRICS = { completed: 'hookflow_runs_completed', failed: 'hookflow_runs_failed', reconciliationExhausted: 'hookflow_reconciliation_exhausted' } as const;

/**
 * The flow a run counts for: runFlow and correlated runs carry the definition (`flow.name`);
 * entity, gate and collector runs carry the flow's name as a string. `other` for anything else.
 */
export function flowLabelOf(firstArg: unknown): string {
  const flow = (firstArg as { flow?: FlowRunInput['flow'] | string } | undefined)?.flow;
  if (typeof flow === 'string') return flow || 'other';
  return flow?.name ?? 'other';
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        const flow = flowLabelOf(input.args[0]);
        try {
          const result = await next(input);
          metricMeter.createCounter(RUN_METRICS.completed, 'runs', 'Flow runs completed, by flow.').add(1, { flow });
          return result;
        } catch (err) {
          // Only failures end the run as failed; cancellation and continue-as-new do not.
          if (err instanceof TemporalFailure && !isCancellation(err) && !(err instanceof ContinueAsNew)) {
            metricMeter.createCounter(RUN_METRICS.failed, 'runs', 'Flow runs failed, by flow.').add(1, { flow });
            // Metrics are not commands: counting one more kind of failure changes no history.
            if (err instanceof ApplicationFailure && err.type === 'ReconciliationExhausted') {
              metricMeter.createCounter(RUN_METRICS.reconciliationExhausted, 'runs', 'Correlated runs that gave up: the provider never confirmed an outcome, by flow.').add(1, { flow });
            }
          }
          throw err;
        }
      },
    },
  ],
});
