// Builds a Temporal worker that runs the flow interpreter and hookflow's activities.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export interface WorkerDeps extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  mailFrom: string;
  /** Pre-bundled workflow code (tests reuse one bundle across workers). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** On shutdown, how long in-flight activities may finish before they are cancelled (and retried by another worker). */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /**
   * Workflow tasks worked on at once (the SDK's default is 40). A task that runs local steps holds
   * its slot while they run; with 40, a busy MongoDB made tasks outlast their 10 s timeout and be
   * replayed, their local steps run again (docs/benchmarks.md).
   */
  maxConcurrentWorkflowTasks?: number;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');
/** Workflow interceptors bundled with the interpreter: per-flow run counters. */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../workflows/run-metrics')];
/** What bundleWorkflowCode needs to build the same workflow code the worker runs. */
export const FLOW_BUNDLE = { workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES };

export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH, interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES } }),
    activities: createActivities(deps),
    ...(deps.shutdownGraceTime !== undefined && { shutdownGraceTime: deps.shutdownGraceTime }),
    ...(deps.maxConcurrentWorkflowTasks !== undefined && { maxConcurrentWorkflowTaskExecutions: deps.maxConcurrentWorkflowTasks }),
  });
}
