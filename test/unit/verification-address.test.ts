// Address allowlists: IPv4, IPv6, IPv4-mapped IPv6, and X-Forwarded-For only through trusted proxies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ForbiddenAddressError } from '../../lib/errors';
import { compileCidrs } from '../../lib/address-ranges';
import type { NetworkPolicy } from '../../definitions/source-types';
import { checkAddress, clientAddress } from '../../verification/address';

const policy = (allow: string[], trusted?: string[]): NetworkPolicy => ({
  allow: compileCidrs(allow).list,
  trustedProxies: trusted && compileCidrs(trusted).list,
});
const allowed = (p: NetworkPolicy, peer: string, xff?: string) => {
  try {
    checkAddress(p, peer, xff === undefined ? {} : { 'x-forwarded-for': xff });
    return true;
  } catch (err) {
    assert.ok(err instanceof ForbiddenAddressError);
    assert.equal(err.status, 403);
    assert.equal(err.code, 'address_not_allowed');
    return false;
  }
};

test('IPv4 and IPv6 blocks, and IPv4-mapped IPv6 peers', () => {
  const p = policy(['192.0.2.0/24', '2001:db8::/32', '198.51.100.7']);
  assert.equal(allowed(p, '192.0.2.200'), true);
  assert.equal(allowed(p, '192.0.3.1'), false);
  assert.equal(allowed(p, '::ffff:192.0.2.9'), true);
  assert.equal(allowed(p, '2001:db8:1::5'), true);
  assert.equal(allowed(p, '2001:db9::5'), false);
  assert.equal(allowed(p, '198.51.100.7'), true);
  assert.equal(allowed(p, '198.51.100.8'), false);
  assert.equal(allowed(p, 'garbage'), false);
});

test('X-Forwarded-For is ignored unless the peer is a trusted proxy', () => {
  const p = policy(['192.0.2.0/24']);
  assert.equal(allowed(p, '127.0.0.1', '192.0.2.1'), false, 'a client cannot claim an address');
});

test('through trusted proxies the client is the rightmost untrusted hop', () => {
  const p = policy(['192.0.2.0/24'], ['10.0.0.0/8', '::1/128']);
  assert.equal(clientAddress(p, '10.0.0.1', { 'x-forwarded-for': '203.0.113.9, 192.0.2.4, 10.0.0.2' }), '192.0.2.4');
  assert.equal(allowed(p, '10.0.0.1', '192.0.2.4, 10.0.0.2'), true);
  // A forged leftmost entry does not help: the proxy appended the real client on the right.
  assert.equal(allowed(p, '10.0.0.1', '192.0.2.4, 203.0.113.9'), false);
  assert.equal(allowed(p, '::1', '192.0.2.77'), true);
  assert.equal(allowed(p, '10.0.0.1', 'not-an-ip, 192.0.2.5'), true);
  assert.equal(allowed(p, '10.0.0.1', '192.0.2.5, not-an-ip'), false);
  assert.equal(allowed(p, '10.0.0.1'), false, 'no header: the proxy itself is the client');
});
