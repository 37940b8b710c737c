// The outbound part of the admin API (server/admin/outbound/), behind the admin guard like every /admin route:
//   GET  /admin/destinations                 each destination with its breaker state
//   GET  /admin/destinations/:name           settings, state, delivery counts, recent state changes
//   POST /admin/destinations/:name/pause     held until resumed
//   POST /admin/destinations/:name/resume    active again (also after the breaker disabled it)
//   POST /admin/destinations/:name/test      a hookflow.test delivery to it
//   GET  /admin/outbound?destination&status&since&limit
//   GET  /admin/outbound/:id                 the delivery with its message and attempts
//   POST /admin/outbound/:id/retry           a failed delivery, again
//   POST /admin/outbound/retry               {"destination"?, "since"?, "dryRun"?}: every failed one
import type Router from '@koa/router';
import type { RouterContext } from '@koa/router';
import { BadQueryError, parseTime, rejectUnknown } from '../filters';
import type { OutboundAdmin } from './index';

const STATUSES = ['pending', 'delivered', 'failed'] as const;

export function mountOutboundRoutes(router: Router, outbound: OutboundAdmin, jsonBody: (ctx: RouterContext) => Promise<Record<string, unknown>>): void {
  router.get('/destinations', async (ctx) => { ctx.body = { destinations: await outbound.listDestinations() }; });
  router.get('/destinations/:name', async (ctx) => { ctx.body = await outbound.showDestination(ctx.params.name); });
  router.post('/destinations/:name/pause', async (ctx) => { await outbound.pause(ctx.params.name); ctx.body = await outbound.showDestination(ctx.params.name); });
  router.post('/destinations/:name/resume', async (ctx) => { await outbound.resume(ctx.params.name); ctx.body = await outbound.showDestination(ctx.params.name); });
  router.post('/destinations/:name/test', async (ctx) => { ctx.status = 202; ctx.body = await outbound.test(ctx.params.name); });

  router.get('/outbound', async (ctx) => {
    const query = ctx.query as Record<string, string | undefined>;
    rejectUnknown(query, ['destination', 'status', 'since', 'limit']);
    const status = query.status;
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new BadQueryError(`"status" must be one of ${STATUSES.join(', ')}`);
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new BadQueryError('"limit" must be 1 to 500');
    ctx.body = { deliveries: await outbound.list({ destination: query.destination, status: status as (typeof STATUSES)[number] | undefined, since: query.since ? parseTime(query.since, 'since') : undefined, limit }) };
  });
  // Before /outbound/:id/retry, so "retry" is not read as an id.
  router.post('/outbound/retry', async (ctx) => {
    const body = await jsonBody(ctx);
    rejectUnknown(body as Record<string, string>, ['destination', 'since', 'dryRun']);
    if (body.destination !== undefined && typeof body.destination !== 'string') throw new BadQueryError('"destination" must be a destination name');
    if (body.since !== undefined && typeof body.since !== 'string') throw new BadQueryError('"since" must be a time');
    if (body.dryRun !== undefined && typeof body.dryRun !== 'boolean') throw new BadQueryError('"dryRun" must be true or false');
    if (body.destination === undefined && body.since === undefined) throw new BadQueryError('retrying failed deliveries needs "destination" or "since"');
    const answer = await outbound.retryFailed({ destination: body.destination as string | undefined, since: body.since ? parseTime(body.since as string, 'since') : undefined, dryRun: body.dryRun === true });
    if (!('dryRun' in answer)) ctx.status = 202;
    ctx.body = answer;
  });
  router.get('/outbound/:id', async (ctx) => { ctx.body = await outbound.show(ctx.params.id); });
  router.post('/outbound/:id/retry', async (ctx) => { ctx.status = 202; ctx.body = await outbound.retry(ctx.params.id); });
}
