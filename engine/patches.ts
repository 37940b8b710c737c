// Every patch id workflow code may still ask about (`patched(…)`), with the workflow types that
// ask and what it changed: what `hookflow patches` counts runs by, and what the replay test
// requires a recorded history for. A patch goes through three stages (docs/versioning.md):
// patched → deprecatePatch once no open run may replay the old path → removed once no open run
// and no retained history carries its marker. Pure data: the CLI and tests read it.
import { COLLECT_WORKFLOW_TYPE } from './collect-contract';
import { CORRELATED_WORKFLOW_TYPE, ENTITY_WORKFLOW_TYPE, FLOW_WORKFLOW_TYPE, SCHEDULED_FLOW_WORKFLOW_TYPE } from './contract';
import { GATED_WORKFLOW_TYPE } from './controls';
import { OUTBOUND_DELIVERY_WORKFLOW_TYPE } from './outbound';

export type PatchStage = 'patched' | 'deprecated';

export interface PatchInfo {
  id: string;
  /** Workflow types whose code asks for it (a run of another type never carries it). */
  workflowTypes: readonly string[];
  /** Asked on every run (each new run carries the marker) or only when what it changed happens. */
  asked: 'always' | 'when-needed';
  stage: PatchStage;
  what: string;
}

/** Runs that execute steps: runFlow, and the correlated and scheduled runs built on it. */
const STEP_RUNS = [FLOW_WORKFLOW_TYPE, CORRELATED_WORKFLOW_TYPE, SCHEDULED_FLOW_WORKFLOW_TYPE] as const;

export const PATCHES: readonly PatchInfo[] = [
  { id: 'hookflow-fast-expressions', workflowTypes: STEP_RUNS, asked: 'always', stage: 'patched', what: 'fast expressions, first shapes' },
  { id: 'hookflow-fast-expressions-2', workflowTypes: STEP_RUNS, asked: 'always', stage: 'patched', what: 'fast expressions, second shapes' },
  { id: 'hookflow-fast-expressions-3', workflowTypes: STEP_RUNS, asked: 'always', stage: 'patched', what: 'fast expressions, third shapes' },
  { id: 'hookflow-local-activities', workflowTypes: STEP_RUNS, asked: 'always', stage: 'patched', what: 'short steps as local activities' },
  { id: 'hookflow-fast-shapes-3-local-steps', workflowTypes: STEP_RUNS, asked: 'always', stage: 'patched', what: 'the two above under one marker (what a new run recorded before the run guards)' },
  { id: 'hookflow-run-guards', workflowTypes: STEP_RUNS, asked: 'always', stage: 'patched', what: 'fast shapes 3, local steps and the run guards under one marker (what a new run records)' },
  { id: 'hookflow-replay-keeps-effect-keys', workflowTypes: [FLOW_WORKFLOW_TYPE], asked: 'when-needed', stage: 'patched', what: 'a replay run keeps the original run\'s step keys' },
  { id: 'hookflow-bounded-correlation', workflowTypes: [CORRELATED_WORKFLOW_TYPE], asked: 'always', stage: 'patched', what: 'a correlated run forgets its oldest seen ids' },
  { id: 'hookflow-quiet-missing-trigger', workflowTypes: [CORRELATED_WORKFLOW_TYPE], asked: 'when-needed', stage: 'patched', what: 'a correlated run whose trigger never came ends completed (trigger_missing), not failed' },
  { id: 'hookflow-entity-refs', workflowTypes: [ENTITY_WORKFLOW_TYPE], asked: 'when-needed', stage: 'patched', what: 'entity queues carry definitions by reference and drain until the backlog fits' },
  { id: 'hookflow-debounce-newest-received', workflowTypes: [COLLECT_WORKFLOW_TYPE], asked: 'when-needed', stage: 'patched', what: 'debounce keeps the event received last, whatever the signal order' },
  { id: 'hookflow-outbound-delivered-in-attempt', workflowTypes: [OUTBOUND_DELIVERY_WORKFLOW_TYPE], asked: 'when-needed', stage: 'patched', what: 'a delivered outbound delivery ends without the outbound.record activity (the attempt wrote its status)' },
  { id: 'hookflow-gate-recheck-after-drain', workflowTypes: [GATED_WORKFLOW_TYPE], asked: 'when-needed', stage: 'patched', what: 'a gate looks at its queue again after the drain before continue-as-new' },
];
