// HOOKFLOW_ADMIN_TRUSTED_PROXIES as addresses and CIDR ranges (IPv4, IPv6, IPv4-mapped peers):
// X-Forwarded-Proto makes the console "served over HTTPS" only from a peer inside one of them
// (server/console/session.ts). The cookie itself is tested through the real listener in
// test/integration/console-session.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Context } from 'koa';
import { proxyList, servedOverHttps } from '../../server/console/session';

/** What servedOverHttps reads of a request: the socket and the X-Forwarded-Proto header. */
const request = (peer: string, proto = 'https') => ({
  req: { socket: { remoteAddress: peer } },
  get: (name: string) => (name === 'x-forwarded-proto' ? proto : ''),
}) as unknown as Context;

test('a peer inside a trusted range is believed; one outside it, or with no list, is not', () => {
  const trusted = proxyList(['10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
  for (const peer of ['10.1.2.3', '::ffff:10.200.0.1', 'fd00::1', 'fdff:ffff::9', '192.0.2.7']) assert.equal(servedOverHttps(request(peer), trusted), true, peer);
  for (const peer of ['11.0.0.1', '192.0.2.8', 'fe80::1', '::1', '127.0.0.1', '']) assert.equal(servedOverHttps(request(peer), trusted), false, peer);
  assert.equal(servedOverHttps(request('10.1.2.3', 'http'), trusted), false, 'the proxy said http');
  assert.equal(servedOverHttps(request('10.1.2.3', 'https, http'), trusted), false, 'the last hop (the trusted proxy) said http');
  assert.equal(proxyList([]), undefined);
  assert.equal(servedOverHttps(request('10.1.2.3'), proxyList([])), false, 'no proxy is believed by default');
});

test('an entry that is not an address or range is refused, naming the variable', () => {
  assert.throws(() => proxyList(['10.0.0.0/8', 'proxy.internal']), /HOOKFLOW_ADMIN_TRUSTED_PROXIES: "proxy.internal"/);
  assert.throws(() => proxyList(['fd00::/200']), /HOOKFLOW_ADMIN_TRUSTED_PROXIES/);
});
