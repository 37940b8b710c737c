// Who may call the admin listener: every route the admin API and console routers register (read
// from their stacks, so a new route is covered without touching this file), in every spelling
// of its path a router might still match (case, percent-encoding, //, ".", ".."), without a
// token or session: none reaches its handler. And the Host must be one the listener answers to.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import pino from 'pino';
import type Router from '@koa/router';
import { type StoreStack, type TestIngress, TEST_ADMIN_TOKEN, recordingStarter, shippedDefinitions, startIngress, startStoreStack } from '../helpers/ingress';
import { createConsoleRouter } from '../../server/console';
import { canonicalPath } from '../../server/admin';

let store: StoreStack;
let ingress: TestIngress;

before(async () => {
  store = await startStoreStack();
  ingress = await startIngress({
    db: store.db, definitions: shippedDefinitions(), log: pino({ level: 'silent' }), temporalStart: recordingStarter(),
    admin: { token: TEST_ADMIN_TOKEN, temporalUiUrl: 'http://127.0.0.1:1', namespace: 'default', replayConcurrency: 1 },
  });
});
after(async () => {
  await ingress?.stop();
  await store?.stop();
});

interface Answer { status: number; location?: string; body: string }

/** A raw request: fetch and curl resolve "." and ".." before sending, an attacker's client does not. */
function send(method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(ingress.adminUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{"dryRun":true,"flow":"x"}' : undefined);
  });
}

/** Every method and path the routers register, parameters filled in. */
function routesOf(router: Router): { method: string; path: string }[] {
  return router.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, path: String(layer.path).replace(/:(\w+)/g, 'x1') })));
}

/** Spellings of `path` that name the same route to some reader of paths. */
function variants(path: string): string[] {
  const [first, ...rest] = path.slice(1).split('/');
  const tail = rest.length ? `/${rest.join('/')}` : '';
  const encoded = `%${first.charCodeAt(0).toString(16)}${first.slice(1)}`;
  return [
    path,
    path.toUpperCase(),
    `/${first[0].toUpperCase()}${first.slice(1)}${tail}`,
    `/${encoded}${tail}`,
    `/${encoded.toUpperCase()}${tail}`,
    `/%25${first.charCodeAt(0).toString(16)}${first.slice(1)}${tail}`,
    `/${first}%2F${rest.join('%2F')}`,
    `/${first}%2f${rest.join('/')}`,
    `/${first}/${tail}`,
    `//${first}${tail}`,
    `/${first}/.${tail}`,
    `/./${first}${tail}`,
    `/x/../${first}${tail}`,
    `/x/%2e%2e/${first}${tail}`,
    `/x/%2E%2E%2F${first}${tail}`,
    `/healthz/../${first}${tail}`,
    `/healthz%2F..%2F${first}${tail}`,
    `${path}/`,
    `${path}?x=1`,
  ];
}

const apiRouter = () => ingress.admin.router;
// A console router like the ingress's (its stack is what the guard must cover).
const consoleRouter = () => createConsoleRouter({ admin: ingress.admin.ctx, bulk: ingress.admin.bulk, definitions: shippedDefinitions, checks: [] });
/** Console routes that are open by design: the sign-in page and the redirects to it. */
const OPEN_CONSOLE = new Set(['/', '/console', '/console/login']);

test('the routers register the routes this test walks', () => {
  const api = routesOf(apiRouter());
  const pages = routesOf(consoleRouter());
  assert.ok(api.length >= 10, JSON.stringify(api));
  assert.ok(api.some((r) => r.method === 'POST' && r.path === '/admin/replays/x1/stop'));
  assert.ok(pages.some((r) => r.method === 'POST' && r.path === '/console/replays/x1/stop'));
});

test('no spelling of any admin API route reaches its handler without the token', async () => {
  const reached: string[] = [];
  for (const { method, path } of routesOf(apiRouter())) {
    for (const variant of variants(path)) {
      const res = await send(method, variant);
      if (![400, 401, 404].includes(res.status) || (res.status === 404 && !/"not_found"/.test(res.body))) reached.push(`${method} ${variant} → ${res.status} ${res.body.slice(0, 80)}`);
    }
  }
  assert.deepEqual(reached, []);
});

test('no spelling of any console page or form reaches its handler without a session', async () => {
  const reached: string[] = [];
  for (const { method, path } of routesOf(consoleRouter()).filter((r) => !OPEN_CONSOLE.has(r.path))) {
    for (const variant of variants(path)) {
      const res = await send(method, variant);
      const toLogin = res.status === 303 && res.location?.startsWith('/console/login?');
      if (!toLogin && ![400, 401].includes(res.status) && !(res.status === 404 && /"not_found"/.test(res.body))) reached.push(`${method} ${variant} → ${res.status} ${res.body.slice(0, 80)}`);
    }
  }
  assert.deepEqual(reached, []);
});

test('with the token the canonical paths answer, so the refusals above are the guard', async () => {
  const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  assert.equal((await send('GET', '/admin/deliveries', auth)).status, 200);
  assert.equal((await send('GET', '/admin/deliveries/', auth)).status, 200);
  assert.equal((await send('GET', '/Admin/deliveries', auth)).status, 200, 'a case variant with the token is the same route');
  assert.equal((await send('GET', '/admin/./deliveries', auth)).status, 400, 'dot segments are refused even with the token');
  assert.equal((await send('GET', '/healthz')).status, 200);
  assert.equal((await send('GET', '/metrics')).status, 200);
  assert.equal((await send('GET', '/console/login')).status, 200);
  assert.equal((await send('GET', '/webhooks/payments')).status, 404);
});

test('a Host the listener does not answer to is refused (DNS rebinding); probes are not', async () => {
  const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  const rebound = await send('GET', '/admin/deliveries', { ...auth, host: 'attacker.example:3002' });
  assert.equal(rebound.status, 403);
  assert.match(rebound.body, /host_not_allowed/);
  assert.equal((await send('GET', '/console/login', { host: 'attacker.example' })).status, 403);
  assert.equal((await send('GET', '/admin/deliveries', { ...auth, host: 'localhost:1' })).status, 200);
  assert.equal((await send('GET', '/admin/deliveries', { ...auth, host: '[::1]:3002' })).status, 200);
  assert.equal((await send('GET', '/healthz', { host: 'attacker.example' })).status, 200);
});

test('canonical paths: decoded until stable, lower-cased; dot and empty segments refused', () => {
  assert.equal(canonicalPath('/%2561dmin/Deliveries?x=1'), '/admin/deliveries');
  assert.equal(canonicalPath('/admin/'), '/admin');
  assert.equal(canonicalPath('/'), '/');
  for (const bad of ['//admin', '/admin/./x', '/x/../admin', '/%2e%2e/admin', '/admin%5cx', '/%zz', '/a%00', 'admin']) assert.equal(canonicalPath(bad), undefined, bad);
});
