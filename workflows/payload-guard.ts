// A workflow interceptor module (registered by worker/create-worker.ts): a run whose input was
// not encrypted with an operator key did not come from the ingress (anyone who reaches Temporal can
// start a workflow), so it fails at once, before the workflow function runs: no step, no activity,
// no retry. A signal that fails the same check is dropped: a forged callback must not end or steer
// a genuine run. The worker's codec turns such payloads into a marker (engine/unauthenticated.ts)
// instead of throwing, so the check happens here. For every genuine run this interceptor only
// calls through: no command, no await of its own, so histories replay exactly as recorded.
// Deterministic: only @temporalio/workflow and pure modules.
import { ApplicationFailure, log, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { UNAUTHENTICATED_FAILURE, unauthenticatedReason } from '../engine/unauthenticated';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      execute(input, next) {
        const reason = unauthenticatedReason(input.args);
        if (reason !== undefined) {
          return Promise.reject(ApplicationFailure.nonRetryable(`run refused, its input is not from hookflow's ingress: ${reason}`, UNAUTHENTICATED_FAILURE));
        }
        return next(input);
      },
      handleSignal(input, next) {
        const reason = unauthenticatedReason(input.args);
        if (reason !== undefined) {
          log.warn('signal dropped, its payload is not from hookflow', { signal: input.signalName, reason });
          return Promise.resolve();
        }
        return next(input);
      },
    },
  ],
});
