// Per-source address allowlist. The client is the socket peer, unless that peer is a trusted proxy:
// then X-Forwarded-For is read from the right, skipping trusted proxies, so a client cannot forge it.
import { ForbiddenAddressError } from '../lib/errors';
import { contains, normalizeAddress } from '../lib/address-ranges';
import type { NetworkPolicy } from '../definitions/source-types';
import { type Headers, headerValue } from './headers';

export function clientAddress(policy: NetworkPolicy, peer: string, headers: Headers): string {
  if (!policy.trustedProxies || !contains(policy.trustedProxies, peer)) return peer;
  const hops = (headerValue(headers, 'x-forwarded-for') ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    client = hops[i]!;
    if (!normalizeAddress(client) || !contains(policy.trustedProxies, client)) break;
  }
  return client;
}

export function checkAddress(policy: NetworkPolicy | undefined, peer: string | undefined, headers: Headers): void {
  if (!policy) return;
  const client = clientAddress(policy, peer ?? '', headers);
  if (!contains(policy.allow, client)) throw new ForbiddenAddressError(client.slice(0, 64) || 'unknown');
}
