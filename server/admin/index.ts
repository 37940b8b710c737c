// Builds the admin API from what the ingress already has: its delivery store, Temporal client,
// flow definitions and run starter. Built by server/ingress.ts, mounted on the admin listener under /admin.
import type Router from '@koa/router';
import type { Client } from '@temporalio/client';
import type { Collection, Db } from 'mongodb';
import type { Logger } from 'pino';
import type { DeliveryRecord } from '../deliveries';
import { REJECTIONS_COLLECTION, type RejectionCount, type RejectionCounter } from '../deliveries';
import type { FlowDefinition } from '../../engine/types';
import type { RunStarter } from '../starts';
import { type BulkReplays, bulkReplays } from './bulk-replay';
import { createAdminRouter } from './router';
import type { ReplayContext } from './replay';
import { type Issues, createIssues } from './issues';
import { type OutboundAdmin, createOutboundAdmin } from './outbound';
import type { DestinationDefinition } from '../../engine/outbound';

export { createAdminApp } from './app';
export { type AdminAccessSettings, type ConsoleSessionCheck, LOOPBACK_HOSTS, canonicalPath } from './access';
export { CODEC_PATH, codecOrigins, createCodecRouter } from './codec';
// What the console (server/console) shows and does, through the same functions as the API.
export { listDeliveries, showDelivery } from './deliveries';
export { type RunTimeline, type Timeline, type TimelineItem, deliveryTimeline } from './timeline';
export { type DeliveryFilter, FILTER_PARAMS, OUTCOMES, PAGE_PARAMS, parseDeliveryFilter, parsePage, rejectUnknown } from './filters';
export { type ReplayContext, replayDelivery } from './replay';
export { type RecordedEvent, recordedEvent } from './recorded-events';
export type { BulkReplays, ReplayJob } from './bulk-replay';
export { type Issue, type IssueFilter, type Issues, parseIssueFilter } from './issues';
export { ISSUE_KINDS, ISSUE_STATUSES, type IssueStatus } from './issues/store';
export type { OutboundAdmin } from './outbound';

export interface AdminSettings {
  /** HOOKFLOW_ADMIN_TOKEN; without it every admin call answers 404 admin_disabled (checked by server/admin/access.ts). */
  token?: string;
  /** HOOKFLOW_METRICS_TOKEN: /metrics needs it as a bearer token when set. */
  metricsToken?: string;
  /** HOOKFLOW_ADMIN_ALLOWED_HOSTS: Host names the admin listener answers /admin and /console to; loopback names when unset. */
  allowedHosts?: readonly string[];
  /** HOOKFLOW_ADMIN_TRUSTED_PROXIES: TLS-terminating proxies whose X-Forwarded-Proto makes the console cookie Secure. */
  trustedProxies?: readonly string[];
  temporalUiUrl: string;
  namespace: string;
  /** Deliveries a bulk replay works on at once. */
  replayConcurrency: number;
  /** HOOKFLOW_WORKER_OPS_URLS: the workers' ops endpoints, whose stall signals the console's Health page reads. */
  workerOpsUrls?: readonly string[];
  /** HOOKFLOW_TRACE_UI_URL: Jaeger's UI, where the console's timeline links an event's trace (`<url>/trace/<trace id>`). */
  traceUiUrl?: string;
  /** How long (s) the failed runs of issues are kept (HOOKFLOW_RETENTION_DAYS); 30 days when unset. */
  issueRetentionSeconds?: number;
}

export interface AdminApi {
  router: Router;
  bulk: BulkReplays;
  /** What the routes work on (the console reads and replays through it too). */
  ctx: ReplayContext;
  issues: Issues;
  outbound: OutboundAdmin;
}

export function createAdminApi(deps: {
  db: Db;
  deliveries: Collection<DeliveryRecord>;
  /** This process's rejection counter (flushed before a summary is read); the collection alone otherwise. */
  rejections?: RejectionCounter;
  client: Client;
  flows: () => FlowDefinition[];
  /** Flows this ingress has off (their source's secret or a variable they require unset): a candidate's copy of them is not compared. */
  offFlows?: () => string[];
  startRuns: RunStarter;
  log: Logger;
  settings: AdminSettings;
  /** Outbound webhook destinations in force (destinations/*.yaml); none when omitted. Retries and tests start on `taskQueue`. */
  destinations?: () => readonly DestinationDefinition[];
  taskQueue?: string;
}): AdminApi {
  const { settings } = deps;
  const rejections = deps.rejections
    ? { collection: deps.rejections.collection, flush: () => deps.rejections!.flush() }
    : { collection: deps.db.collection<RejectionCount>(REJECTIONS_COLLECTION) };
  const ctx: ReplayContext = { deliveries: deps.deliveries, rejections, client: deps.client, namespace: settings.namespace, temporalUiUrl: settings.temporalUiUrl, flows: deps.flows, startRuns: deps.startRuns };
  const log = deps.log.child({ component: 'admin' });
  const bulk = bulkReplays(ctx, deps.db, log, settings.replayConcurrency);
  const issues = createIssues({ ctx, db: deps.db, bulk, log, retentionSeconds: settings.issueRetentionSeconds ?? 30 * 24 * 3600 });
  const outbound = createOutboundAdmin({ db: deps.db, client: deps.client, taskQueue: deps.taskQueue ?? 'hookflow', destinations: deps.destinations ?? (() => []), log });
  return { router: createAdminRouter({ ctx, bulk, issues, offFlows: deps.offFlows, outbound }), bulk, ctx, issues, outbound };
}
