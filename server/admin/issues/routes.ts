// The issues part of the admin API (server/admin/issues/):
//   GET  /admin/issues?status&kind
//   GET  /admin/issues/:id               the issue and its latest deliveries
//   POST /admin/issues/:id/status        {"status": "open"|"acknowledged"|"resolved"|"ignored"}
//   POST /admin/issues/:id/replay        {"dryRun"?: true}: the count, or a bulk replay job
import type Router from '@koa/router';
import type { RouterContext } from '@koa/router';
import { BadQueryError, rejectUnknown } from '../filters';
import { type Issues, parseIssueFilter, parseIssueStatus } from './index';

export function mountIssueRoutes(router: Router, issues: Issues, jsonBody: (ctx: RouterContext) => Promise<Record<string, unknown>>): void {
  router.get('/issues', async (ctx) => {
    const query = ctx.query as Record<string, string | string[] | undefined>;
    rejectUnknown(query, ['status', 'kind']);
    ctx.body = { issues: await issues.list(parseIssueFilter(query)) };
  });

  router.get('/issues/:id', async (ctx) => { ctx.body = await issues.show(ctx.params.id); });

  router.post('/issues/:id/status', async (ctx) => {
    const body = await jsonBody(ctx);
    rejectUnknown(body as Record<string, string>, ['status']);
    ctx.body = await issues.setStatus(ctx.params.id, parseIssueStatus(body.status));
  });

  router.post('/issues/:id/replay', async (ctx) => {
    const body = await jsonBody(ctx);
    rejectUnknown(body as Record<string, string>, ['dryRun']);
    if (body.dryRun !== undefined && typeof body.dryRun !== 'boolean') throw new BadQueryError('"dryRun" must be true or false');
    const answer = await issues.replay(ctx.params.id, { dryRun: body.dryRun === true });
    if (!('dryRun' in answer)) ctx.status = 202;
    ctx.body = answer;
  });
}
