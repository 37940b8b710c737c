// What issues are made of, in MongoDB. Counts are never kept as counters that a crash or a
// duplicate could skew: a failed run is one occurrence document whose _id is its run
// ("<workflow id>/<run id>"), so seeing it twice stores it once, and an issue's count is the number
// of its occurrences. Rejections are already counted per (source, reason, minute) by the ingress
// (server/deliveries/rejections.ts); their issues are those counters summed. An issue document
// holds only what people decide: its status and when they set it.
import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';

export const ISSUES_COLLECTION = 'hookflow_issues';
export const ISSUE_RUNS_COLLECTION = 'hookflow_issue_runs';
export const ISSUE_SCANS_COLLECTION = 'hookflow_issue_scans';

export const ISSUE_KINDS = ['rejection', 'run_failed', 'reconciliation_exhausted', 'destination'] as const;
export const ISSUE_STATUSES = ['open', 'acknowledged', 'resolved', 'ignored'] as const;
export type IssueKind = (typeof ISSUE_KINDS)[number];
export type IssueStatus = (typeof ISSUE_STATUSES)[number];

/** activity: the activity the failed step uses (shown; not part of the id, a step has one). */
export interface IssueKey { source?: string; reason?: string; flow?: string; step?: string; activity?: string; errorType?: string; destination?: string }

export interface IssueDoc {
  _id: string;
  kind: IssueKind;
  key: IssueKey;
  /** Absent until someone sets it: an issue starts open. */
  status?: IssueStatus;
  statusAt?: Date;
}

/** One failed run, found in Temporal's visibility (server/admin/issues/scan.ts). */
export interface IssueRun {
  /** "<workflow id>/<run id>" */
  _id: string;
  issueId: string;
  workflowId: string;
  runId: string;
  flow: string;
  step: string;
  activity?: string;
  errorType: string;
  message: string;
  /** The delivery whose event started the run (absent for scheduled flows). */
  deliveryId?: string;
  eventId?: string;
  /** When the run closed. */
  at: Date;
}

/** Where the scan of failed runs got to: runs closed before this were seen. */
export interface IssueScan { _id: string; closedSince: Date }

/** What an issue's id starts with: its kind, readable at a glance and without a look-up. */
export const ISSUE_ID_PREFIX: Record<IssueKind, string> = { rejection: 'rej', run_failed: 'run', reconciliation_exhausted: 'rec', destination: 'dst' };

/** Stable and URL-safe: the same group always has the same id, on every replica. */
export function issueId(kind: IssueKind, key: IssueKey): string {
  // The destination only when there is one: the ids of the other kinds stay what they were.
  const canonical = JSON.stringify([kind, key.source ?? '', key.reason ?? '', key.flow ?? '', key.step ?? '', key.errorType ?? '', ...(key.destination ? [key.destination] : [])]);
  return `${ISSUE_ID_PREFIX[kind]}-${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
}

export function issueTitle(kind: IssueKind, key: IssueKey): string {
  if (kind === 'rejection') return `${key.source} rejected: ${key.reason}`;
  if (kind === 'destination') return `outbound destination ${key.destination} paused or disabled`;
  if (kind === 'reconciliation_exhausted') return `${key.flow}: reconciliation exhausted (the provider never confirmed)`;
  return `${key.flow} failed at step ${key.step}${key.activity ? ` (${key.activity})` : ''}: ${key.errorType}`;
}

/**
 * The status people see: a resolved issue that happened again after it was resolved is open
 * again; acknowledged and ignored ones stay as they were set.
 */
export function effectiveStatus(doc: Pick<IssueDoc, 'status' | 'statusAt'> | undefined, lastSeen: Date): IssueStatus {
  if (!doc?.status) return 'open';
  if (doc.status === 'resolved' && doc.statusAt && lastSeen > doc.statusAt) return 'open';
  return doc.status;
}

export function issueCollections(db: Db) {
  return {
    issues: db.collection<IssueDoc>(ISSUES_COLLECTION),
    runs: db.collection<IssueRun>(ISSUE_RUNS_COLLECTION),
    scans: db.collection<IssueScan>(ISSUE_SCANS_COLLECTION),
  };
}
export type IssueCollections = ReturnType<typeof issueCollections>;
