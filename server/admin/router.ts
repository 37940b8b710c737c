// The admin API (JSON, token-protected): find deliveries, see what became of them, replay them.
//   GET  /admin/deliveries?source&eventType&eventId&outcome&reason&flow&since&until&limit&cursor
//   GET  /admin/deliveries/:id
//   POST /admin/deliveries/:id/replay        {"flow"?: name}
//   POST /admin/replays                      {"dryRun"?: true, "status"?: "failed", ...filters}
//   GET  /admin/replays/:id                  progress
//   POST /admin/replays/:id/stop
import Router, { type RouterContext } from '@koa/router';
import type { Collection } from 'mongodb';
import type { Logger } from 'pino';
import { HookflowError, MalformedBodyError } from '../../lib/errors';
import { readBody } from '../http';
import { requireAdminToken } from './auth';
import { bulkReplays, parseRunStatus, type ReplayJob } from './bulk-replay';
import { listDeliveries, showDelivery } from './deliveries';
import { BadQueryError, parseDeliveryFilter, parsePage } from './filters';
import { replayDelivery, type ReplayContext } from './replay';

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

export function createAdminRouter(deps: { ctx: ReplayContext; jobs: Collection<ReplayJob>; token?: string; log: Logger }): Router {
  const router = new Router({ prefix: '/admin' });
  const bulk = bulkReplays(deps.ctx, deps.jobs, deps.log);
  router.use(requireAdminToken(deps.token));

  router.get('/deliveries', async (ctx) => {
    const query = ctx.query as Record<string, string | string[] | undefined>;
    ctx.body = await listDeliveries(deps.ctx, parseDeliveryFilter(query), parsePage(query));
  });

  router.get('/deliveries/:id', async (ctx) => {
    const delivery = await showDelivery(deps.ctx, ctx.params.id);
    if (!delivery) throw new HookflowError('delivery_not_found', 404, `no delivery with id "${ctx.params.id}"`);
    ctx.body = delivery;
  });

  router.post('/deliveries/:id/replay', async (ctx) => {
    const body = await jsonBody(ctx);
    const flow = typeof body.flow === 'string' ? body.flow : undefined;
    ctx.status = 202;
    ctx.body = { deliveryId: ctx.params.id, runs: await replayDelivery(deps.ctx, ctx.params.id, { flow }) };
  });

  router.post('/replays', async (ctx) => {
    const body = await jsonBody(ctx);
    const query = asQuery(body);
    const filter = { ...parseDeliveryFilter(query), status: parseRunStatus(query.status) };
    if (body.dryRun === true) {
      ctx.body = { dryRun: true, ...(await bulk.plan(filter)) };
      return;
    }
    ctx.status = 202;
    ctx.body = await bulk.start(filter);
  });

  router.get('/replays/:id', async (ctx) => { ctx.body = await bulk.get(ctx.params.id); });
  router.post('/replays/:id/stop', async (ctx) => { ctx.body = await bulk.stop(ctx.params.id); });
  return router;
}
