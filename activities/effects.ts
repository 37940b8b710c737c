// Shared plumbing for activities with side effects: the dependency bag, the test hook that
// simulates a crash right after an effect, and the non-retryable failure helper.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import type { Mailer } from './mailer';
import type { WorkerMetrics } from '../lib/metrics';
import type { HostLimits } from '../lib/config';
import type { EgressPolicy } from '../lib/egress';
import type { DestinationSource } from '../engine/outbound';

export interface ActivityDeps {
  db: Db;
  mail: Mailer;
  log: Logger;
  /** Where effects are counted (email resends); uncounted when omitted. */
  metrics?: Pick<WorkerMetrics, 'emailResends'>;
  /** Called after an effect is durably applied and before the attempt completes (tests inject crashes here). */
  /** http.request calls per second per host, shared by every worker through MongoDB (activities/host-pacing.ts). */
  httpHostLimits?: HostLimits;
  /** Non-public addresses http.request may call (HOOKFLOW_EGRESS_ALLOW); none when omitted. */
  egress?: EgressPolicy;
  /** Outbound webhook destinations (destinations/*.yaml, live-reloaded); webhook.publish reaches none when omitted. */
  destinations?: DestinationSource;
  afterEffect?: (effect: { activity: string; idempotencyKey: string; attempt: number }) => void | Promise<void>;
}

export async function effectApplied(deps: ActivityDeps, activity: string, idempotencyKey: string): Promise<void> {
  if (!deps.afterEffect) return;
  await deps.afterEffect({ activity, idempotencyKey, attempt: Context.current().info.attempt });
}

/** Bad arguments fail the same way on every attempt: do not retry them. */
export function badArguments(activity: string, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${activity}: ${message}`, 'InvalidArguments');
}

export function requireString(activity: string, args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (typeof value !== 'string' || value === '') throw badArguments(activity, `"${name}" must be a non-empty string`);
  return value;
}

export function requireObject(activity: string, args: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = args[name];
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw badArguments(activity, `"${name}" must be an object`);
  return value as Record<string, unknown>;
}
