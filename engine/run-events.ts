// What the interpreter reports while it runs a flow, as data: the workflow logs each with the
// wording runs have always logged (runEventLog), and the dry run prints each as it likes, without
// recognising log wording. Reporting issues no Temporal command: replay is unchanged.
/** What failed: as describeFailure (engine/run-context.ts) tells it. */
export interface RunFailure { step?: string; message: string; type?: string }

export type RunEvent =
  | { kind: 'step-skipped'; step: string }
  | { kind: 'flow-failed'; error: RunFailure; compensations: number }
  | { kind: 'on-failure-failed'; message: string }
  | { kind: 'compensation-failed'; step: string; message: string }
  | { kind: 'reconciliation-round-failed'; step: string; message: string }
  | { kind: 'reconciliation-unknown'; step: string };

const MESSAGES: Record<RunEvent['kind'], string> = {
  'step-skipped': 'step skipped: condition is false',
  'flow-failed': 'flow failed: compensating completed steps',
  'on-failure-failed': 'onFailure failed',
  'compensation-failed': 'compensation failed',
  'reconciliation-round-failed': 'reconciliation round failed: will ask again',
  'reconciliation-unknown': 'reconciliation: the provider does not know the outcome yet',
};

/** The log line of an event: its message and fields (a failed flow's error fields at the top level, as ever). */
export function runEventLog(event: RunEvent): { message: string; fields: Record<string, unknown> } {
  if (event.kind === 'flow-failed') return { message: MESSAGES[event.kind], fields: { ...event.error, compensations: event.compensations } };
  const { kind, ...fields } = event;
  return { message: MESSAGES[kind], fields };
}
