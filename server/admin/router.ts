// The admin API (JSON; the bearer token is checked in front of every router, server/admin/access.ts): find deliveries, see what became of them, replay them.
//   GET  /admin/deliveries?source&eventType&eventId&outcome&reason&flow&since&until&limit&cursor
//   GET  /admin/deliveries/:id
//   GET  /admin/deliveries/:id/timeline     received → stored → started → each run's steps (server/admin/timeline.ts)
//   GET  /admin/rejections?source&reason&since&until rejections counted by source and reason
//   POST /admin/deliveries/:id/replay        {"flow"?: name}
//   POST /admin/replays                      {"dryRun"?: true, "status"?: "failed", ...filters}
//   GET  /admin/replays/:id                  progress
//   POST /admin/replays/:id/stop
//   /admin/issues…                        failures grouped (server/admin/issues/routes.ts)
//   GET  /admin/recorded-events?source&eventType&eventId&since&until&limit&cursor  events with their runs' recorded steps (replay --candidate)
//   GET  /admin/flow-definitions          the flow definitions this ingress runs now
//   /admin/destinations…, /admin/outbound… outbound webhooks (server/admin/outbound/routes.ts)
import Router, { type RouterContext } from '@koa/router';
import { MalformedBodyError } from '../../lib/errors';
import { readBody } from '../http';
import { type BulkReplays, parseRunStatus } from './bulk-replay';
import { listDeliveries, rejectionSummary, showDelivery } from './deliveries';
import { BadQueryError, FILTER_PARAMS, PAGE_PARAMS, parseDeliveryFilter, parsePage, rejectUnknown } from './filters';
import { deliveryTimeline } from './timeline';
import { DeliveryNotFoundError, replayDelivery, type ReplayContext } from './replay';
import type { Issues } from './issues';
import { mountIssueRoutes } from './issues/routes';
import type { OutboundAdmin } from './outbound';
import { mountOutboundRoutes } from './outbound/routes';
import { listRecordedEvents } from './recorded-events';

/** Each event costs history reads: pages of recorded events are smaller than lists. */
const RECORDED_PARAMS = ['source', 'eventType', 'type', 'eventId', 'since', 'until', 'limit', 'cursor'];
const MAX_RECORDED_PAGE = 100;

/** What the rejection counters can be filtered by. */
const REJECTION_PARAMS = ['source', 'reason', 'since', 'until'];
const MAX_ADMIN_BODY = 64 * 1024;

async function jsonBody(ctx: RouterContext): Promise<Record<string, unknown>> {
  const raw = await readBody(ctx.req, MAX_ADMIN_BODY);
  if (raw.length === 0) return {};
  try {
    const value = JSON.parse(raw.toString('utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch { /* reported below */ }
  throw new MalformedBodyError('the request body must be a JSON object');
}

function asQuery(body: Record<string, unknown>): Record<string, string | undefined> {
  const query: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'dryRun') continue;
    if (v !== undefined && v !== null && typeof v !== 'string') throw new BadQueryError(`"${k}" must be a string`);
    query[k] = (v as string | null) ?? undefined;
  }
  return query;
}

export function createAdminRouter(deps: { ctx: ReplayContext; bulk: BulkReplays; issues: Issues; offFlows?: () => string[]; outbound: OutboundAdmin }): Router {
  const router = new Router({ prefix: '/admin' });
  const { bulk } = deps;

  router.get('/deliveries', async (ctx) => {
    const query = ctx.query as Record<string, string | string[] | undefined>;
    rejectUnknown(query, [...FILTER_PARAMS, ...PAGE_PARAMS]);
    ctx.body = await listDeliveries(deps.ctx, parseDeliveryFilter(query), parsePage(query));
  });

  router.get('/deliveries/:id', async (ctx) => {
    const delivery = await showDelivery(deps.ctx, ctx.params.id);
    if (!delivery) throw new DeliveryNotFoundError(ctx.params.id);
    ctx.body = delivery;
  });

  router.get('/deliveries/:id/timeline', async (ctx) => {
    const timeline = await deliveryTimeline(deps.ctx, ctx.params.id);
    if (!timeline) throw new DeliveryNotFoundError(ctx.params.id);
    ctx.body = timeline;
  });

  router.get('/rejections', async (ctx) => {
    const query = ctx.query as Record<string, string | string[] | undefined>;
    rejectUnknown(query, REJECTION_PARAMS); // the counters know no event type, id or flow
    ctx.body = await rejectionSummary(deps.ctx, parseDeliveryFilter(query));
  });

  router.post('/deliveries/:id/replay', async (ctx) => {
    const body = await jsonBody(ctx);
    if (body.flow !== undefined && typeof body.flow !== 'string') throw new BadQueryError('"flow" must be a flow name');
    ctx.status = 202;
    ctx.body = await replayDelivery(deps.ctx, ctx.params.id, { flows: body.flow ? [body.flow as string] : undefined });
  });

  router.post('/replays', async (ctx) => {
    const body = await jsonBody(ctx);
    const query = asQuery(body);
    rejectUnknown(query, [...FILTER_PARAMS, 'status']);
    const filter = { ...parseDeliveryFilter(query), status: parseRunStatus(query.status) };
    if (!Object.values(filter).some((v) => v !== undefined)) throw new BadQueryError('a bulk replay needs at least one filter (e.g. "flow", "status", "since"); to replay one delivery use POST /admin/deliveries/:id/replay');
    if (body.dryRun !== undefined && typeof body.dryRun !== 'boolean') throw new BadQueryError('"dryRun" must be true or false');
    if (body.dryRun) {
      ctx.body = { dryRun: true, ...(await bulk.plan(filter)) };
      return;
    }
    ctx.status = 202;
    ctx.body = await bulk.start(filter);
  });

  router.get('/replays/:id', async (ctx) => { ctx.body = await bulk.get(ctx.params.id); });
  router.post('/replays/:id/stop', async (ctx) => { ctx.body = await bulk.stop(ctx.params.id); });
  router.get('/recorded-events', async (ctx) => {
    const query = ctx.query as Record<string, string | string[] | undefined>;
    rejectUnknown(query, RECORDED_PARAMS);
    const page = parsePage({ ...query, limit: query.limit ?? '50' });
    if (page.limit > MAX_RECORDED_PAGE) throw new BadQueryError(`"limit" of recorded events may be at most ${MAX_RECORDED_PAGE}`);
    ctx.body = await listRecordedEvents(deps.ctx, parseDeliveryFilter(query), page);
  });
  router.get('/flow-definitions', (ctx) => { ctx.body = { flows: deps.ctx.flows(), off: deps.offFlows?.() ?? [] }; });
  mountIssueRoutes(router, deps.issues, jsonBody);
  mountOutboundRoutes(router, deps.outbound, jsonBody);
  return router;
}
