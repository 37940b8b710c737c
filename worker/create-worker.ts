// Builds a Temporal worker that runs the flow interpreter and hookflow's activities.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { type PayloadProtection, refuseUnauthenticatedActivities, workerDataConverter } from './payload-guard';
import type { Tracing } from '../lib/tracing';
import { tracedActivities, workflowSpanSinks } from './tracing';

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
  /**
   * Payload keys (HOOKFLOW_PAYLOAD_KEYS): payloads are encrypted, and runs and activities whose
   * input no key wrote are refused (worker/payload-guard.ts). Without: plaintext, nothing refused.
   */
  payloads?: PayloadProtection;
  /** Local steps run at once (SDK default 100); a task waiting for one of these slots keeps its workflow-task slot. */
  maxConcurrentLocalActivities?: number;
  /** Ordinary activity tasks (email, HTTP) run at once (SDK default 100); they hold no workflow-task slot. */
  maxConcurrentActivities?: number;
  /** Tracing on (lib/tracing.ts): spans for runs and steps; a given workflowBundle must then be TRACED_FLOW_BUNDLE's. */
  tracing?: Tracing;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');
/** Workflow interceptors bundled with the interpreter: per-flow run counters (outermost), then the refusal of unauthenticated runs. */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../workflows/run-metrics'), require.resolve('../workflows/payload-guard')];
/**
 * Pure modules instantiated once per worker thread, not once per run. In the SDK's reused V8
 * context every run gets its own instance of each workflow module, so JSONata was set up and every
 * expression parsed again in every run. Preloaded modules are shared between runs (and deep-frozen
 * by the SDK), so they must hold no per-run state: theirs is the fast path's compile cache, a pure
 * function of the expression's source (test/workflow/preloaded-modules.test.ts).
 */
export const PRELOADED_WORKFLOW_MODULES = ['jsonata', require.resolve('../engine/fast-expressions'), require.resolve('../engine/expressions')];
/** What bundleWorkflowCode needs to build the same workflow code the worker runs. */
export const FLOW_BUNDLE = { workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, preloadModules: PRELOADED_WORKFLOW_MODULES };
/** With tracing on: the same, with Temporal's OpenTelemetry interceptors outermost (a bundle of its own, so tracing off runs none of it). */
export const TRACED_FLOW_BUNDLE = { ...FLOW_BUNDLE, workflowInterceptorModules: [require.resolve('../workflows/tracing'), ...WORKFLOW_INTERCEPTOR_MODULES] };

export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: PRELOADED_WORKFLOW_MODULES } }),
    // A pre-built bundle carries the workflow interceptors already (FLOW_BUNDLE).
    interceptors: {
      ...(!deps.workflowBundle && { workflowModules: (deps.tracing ? TRACED_FLOW_BUNDLE : FLOW_BUNDLE).workflowInterceptorModules }),
      activity: [...(deps.tracing ? [tracedActivities] : []), ...(deps.payloads ? [refuseUnauthenticatedActivities] : [])],
    },
    ...(deps.tracing && { sinks: workflowSpanSinks(deps.tracing) }),
    ...(deps.payloads && { dataConverter: workerDataConverter(deps.payloads) }),
    activities: createActivities(deps),
    ...(deps.shutdownGraceTime !== undefined && { shutdownGraceTime: deps.shutdownGraceTime }),
    ...(deps.maxConcurrentWorkflowTasks !== undefined && { maxConcurrentWorkflowTaskExecutions: deps.maxConcurrentWorkflowTasks }),
    ...(deps.maxConcurrentLocalActivities !== undefined && { maxConcurrentLocalActivityExecutions: deps.maxConcurrentLocalActivities }),
    ...(deps.maxConcurrentActivities !== undefined && { maxConcurrentActivityTaskExecutions: deps.maxConcurrentActivities }),
  });
}
