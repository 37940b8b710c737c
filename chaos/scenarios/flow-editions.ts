// The flow-edit scenario's check (chaos/scenarios/rollouts.ts), pure so it is unit-tested: each
// run executed one edition of the flow from start to end, the one in force when it started.

export interface RunInfo {
  workflowId: string;
  orderId: string;
  /** When an ingress received its event (its delivery record): the definitions in force then are the run's. */
  receivedAt: number;
  /** Start and close times (ms); close undefined while running. */
  start: number;
  close?: number;
  /** The flow version the run started with (its memo's flowVersion, the definition's content hash). */
  version: string;
}

export interface EditMail { subject?: string; text?: string }

/** When the file was replaced, and when every ingress had reloaded it (ms). */
export interface EditTimes { edit: number; reloaded: number }

const subjectOf = (orderId: string) => `Payment received for order ${orderId}`;

/** The edition a run's email says it ran ("(flow edition N)"), or undefined. */
export function editionOfMail(text: string | undefined): number | undefined {
  const m = /\(flow edition (\d+)\)/.exec(text ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * Problems, each a sentence: a version that ran two editions' effects, two versions for one
 * edition, a run started before the edit on edition 2 or received after the reload on edition 1, and no run
 * open across the edit (then nothing was shown).
 */
export function editionProblems(runs: RunInfo[], mails: EditMail[], at: EditTimes): string[] {
  const problems: string[] = [];
  const editionByVersion = new Map<string, Set<number>>();
  const editionOfRun = new Map<string, number>();
  for (const run of runs) {
    const editions = new Set(mails.filter((m) => m.subject === subjectOf(run.orderId)).map((m) => editionOfMail(m.text)));
    if (editions.size !== 1 || editions.has(undefined)) {
      problems.push(`${run.workflowId}: email editions ${[...editions].join('/') || 'none'}`);
      continue;
    }
    const edition = [...editions][0]!;
    editionOfRun.set(run.workflowId, edition);
    editionByVersion.set(run.version, (editionByVersion.get(run.version) ?? new Set()).add(edition));
    if (run.start < at.edit && edition !== 1) problems.push(`${run.workflowId}: started before the edit, ran edition ${edition}`);
    // A request reads the definitions as it arrives; under load its start comes seconds later.
    if (run.receivedAt > at.reloaded && edition !== 2) problems.push(`${run.workflowId}: received after every ingress reloaded, ran edition ${edition}`);
  }
  for (const [version, editions] of editionByVersion) {
    if (editions.size > 1) problems.push(`flow version ${version} ran editions ${[...editions].join(' and ')}`);
  }
  const versions = [...editionByVersion.keys()];
  if (new Set(versions.map((v) => [...editionByVersion.get(v)!][0])).size !== versions.length) problems.push(`one edition ran under several versions: ${versions.join(', ')}`);
  const open = runs.filter((r) => r.start < at.edit && (r.close ?? Infinity) > at.edit);
  if (open.length === 0) problems.push('no run was open when the flow was edited: the scenario showed nothing');
  if (!runs.some((r) => editionOfRun.get(r.workflowId) === 2)) problems.push('no run took the edited flow');
  return problems.slice(0, 20);
}
