// Console sessions on two ingress replicas sharing one FerretDB: a cookie copied before logout is
// refused afterwards on both (console and /codec), a new sign-in works; and the cookie is Secure
// behind a proxy in HOOKFLOW_ADMIN_TRUSTED_PROXIES (an address or a CIDR range), while
// X-Forwarded-Proto from any other address changes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { TEST_ADMIN_TOKEN, shippedDefinitions, startIngress, startStoreStack, type StoreStack, type TestIngress } from '../helpers/ingress';
import { generatePayloadKeys, parsePayloadKeys } from '../../lib/payload-codec';
import { REVOCATIONS_COLLECTION } from '../../server/console/revocations';

let store: StoreStack;
/** Believes proxies elsewhere (10.0.0.0/8, fd00::/8), not where this test's requests come from. */
let plain: TestIngress;
/** Believes X-Forwarded-Proto from 127.0.0.0/8 (a CIDR range), where this test's requests come from. */
let proxied: TestIngress;

before(async () => {
  store = await startStoreStack();
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const admin = { token: TEST_ADMIN_TOKEN, temporalUiUrl: 'http://127.0.0.1:1', namespace: 'default', replayConcurrency: 1 };
  const common = { db: store.db, definitions: shippedDefinitions(), log, payloadKeys: parsePayloadKeys(generatePayloadKeys('test')) };
  plain = await startIngress({ ...common, admin: { ...admin, trustedProxies: ['10.11.12.13', '10.0.0.0/8', 'fd00::/8'] } });
  proxied = await startIngress({ ...common, admin: { ...admin, trustedProxies: ['10.11.12.13', '127.0.0.0/8'] } });
});
after(async () => {
  await plain?.stop();
  await proxied?.stop();
  await store?.stop();
});

const signIn = (adminUrl: string, headers: Record<string, string> = {}) => fetch(`${adminUrl}/console/login`, {
  method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ token: TEST_ADMIN_TOKEN, next: '/console/health' }),
});
const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0];
const consolePage = (adminUrl: string, cookie: string) => fetch(`${adminUrl}/console/flows`, { headers: { cookie }, redirect: 'manual' });
const decode = (adminUrl: string, cookie: string) => fetch(`${adminUrl}/codec/decode`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ payloads: [] }) });
/** The CSRF token of the signed-in page (every form carries it). */
async function csrfOf(adminUrl: string, cookie: string): Promise<string> {
  const page = await (await consolePage(adminUrl, cookie)).text();
  return /name="_csrf" value="([^"]+)"/.exec(page)![1];
}

test('after logout the copied cookie is refused on every replica, on the console and on /codec; a new sign-in works', async () => {
  const res = await signIn(plain.adminUrl);
  assert.equal(res.status, 303);
  const copied = cookieOf(res);
  assert.match(copied, /^hookflow_console=.+/);
  for (const replica of [plain, proxied]) {
    assert.equal((await consolePage(replica.adminUrl, copied)).status, 200, 'signed in on either replica');
    assert.equal((await decode(replica.adminUrl, copied)).status, 200, 'the codec accepts the session');
  }

  const logout = await fetch(`${plain.adminUrl}/console/logout`, {
    method: 'POST', redirect: 'manual', headers: { cookie: copied, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: await csrfOf(plain.adminUrl, copied) }),
  });
  assert.equal(logout.status, 303);
  assert.match(logout.headers.get('set-cookie') ?? '', /^hookflow_console=;/, 'the browser forgets the cookie');
  assert.equal(await store.db.collection(REVOCATIONS_COLLECTION).countDocuments(), 1, 'the revocation is in MongoDB');

  for (const replica of [plain, proxied]) {
    const page = await consolePage(replica.adminUrl, copied);
    assert.equal(page.status, 303, 'the copied cookie goes to the sign-in page');
    assert.match(page.headers.get('location') ?? '', /^\/console\/login/);
    assert.equal((await decode(replica.adminUrl, copied)).status, 401, 'the codec refuses the copied cookie');
  }

  const again = cookieOf(await signIn(proxied.adminUrl));
  assert.notEqual(again, copied);
  for (const replica of [plain, proxied]) assert.equal((await consolePage(replica.adminUrl, again)).status, 200, 'a new sign-in works everywhere');
});

test('the cookie is Secure behind a trusted TLS proxy; X-Forwarded-Proto from an untrusted address changes nothing', async () => {
  const forwarded = { 'x-forwarded-proto': 'https' };
  const secure = /;\s*secure(;|$)/i;
  assert.match((await signIn(proxied.adminUrl, forwarded)).headers.get('set-cookie') ?? '', secure, 'trusted proxy said https');
  assert.doesNotMatch((await signIn(proxied.adminUrl)).headers.get('set-cookie') ?? '', secure, 'trusted proxy, plain http');
  assert.doesNotMatch((await signIn(proxied.adminUrl, { 'x-forwarded-proto': 'http' })).headers.get('set-cookie') ?? '', secure, 'trusted proxy said http');
  const untrusted = await signIn(plain.adminUrl, forwarded);
  assert.equal(untrusted.status, 303);
  assert.doesNotMatch(untrusted.headers.get('set-cookie') ?? '', secure, 'the header from an address not in the list is ignored');
});
