// Where http.request (activities/http.ts) may connect. Private, loopback, link-local and other non-public addresses are
// refused unless HOOKFLOW_EGRESS_ALLOW names them, and the check runs on the address the socket
// connects to: the lookup that checks is the lookup that connects, so a name that resolves to a
// public address once and a private one the next time (DNS rebinding) cannot slip through.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Addresses no outbound call reaches unless allowed: RFC 6890 special-purpose ranges, by family. */
const NOT_PUBLIC: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], ['10.0.0.0', 8, 'ipv4'], ['100.64.0.0', 10, 'ipv4'], ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.0.0.0', 24, 'ipv4'], ['192.0.2.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'], ['198.18.0.0', 15, 'ipv4'], ['198.51.100.0', 24, 'ipv4'], ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'], ['::1', 128, 'ipv6'], ['fc00::', 7, 'ipv6'], ['fe80::', 10, 'ipv6'], ['ff00::', 8, 'ipv6'],
  ['100::', 64, 'ipv6'], ['2001:db8::', 32, 'ipv6'],
];
const notPublic = new BlockList();
for (const [net, prefix, family] of NOT_PUBLIC) notPublic.addSubnet(net, prefix, family);

/** One allowed destination: an address or a CIDR range, on one port or any. */
interface AllowEntry { list: BlockList; port?: number; text: string }

export interface EgressPolicy {
  /** Destinations allowed although they are not public (HOOKFLOW_EGRESS_ALLOW). */
  allow: readonly AllowEntry[];
}

export class EgressRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EgressRefused';
  }
}

/**
 * "127.0.0.1:8099,10.0.0.0/8,[::1]:8080": addresses or CIDR ranges, each with an optional port.
 * Throws with the entry it cannot read (lib/config.ts names the variable).
 */
export function parseEgressAllow(text: string): EgressPolicy {
  const allow: AllowEntry[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(?:\[([0-9a-f:.]+)\]|([0-9.]+)|([0-9a-f:.]*:[0-9a-f:.]*))(?:\/(\d{1,3}))?(?::(\d{1,5}))?$/i.exec(part);
    const host = m && (m[1] ?? m[2] ?? m[3]);
    const family = host ? isIP(host) : 0;
    const prefix = m?.[4] === undefined ? (family === 6 ? 128 : 32) : Number(m[4]);
    const port = m?.[5] === undefined ? undefined : Number(m[5]);
    // A bare IPv6 address cannot carry a port without brackets: "::1:8080" is read as an address.
    if (!host || !family || prefix > (family === 6 ? 128 : 32) || (port !== undefined && (port < 1 || port > 65535)) || (m![3] && m![5])) {
      throw new Error(`cannot read "${part}": write an address or range with an optional port, e.g. 127.0.0.1:8099, 10.0.0.0/8, [::1]:8080`);
    }
    const list = new BlockList();
    list.addSubnet(host, prefix, family === 6 ? 'ipv6' : 'ipv4');
    allow.push({ list, port, text: part });
  }
  return { allow };
}

export const DENY_ALL_PRIVATE: EgressPolicy = { allow: [] };

/** The IPv4 address an IPv6 one carries (IPv4-mapped ::ffff:a.b.c.d, or NAT64 64:ff9b::a.b.c.d), if any. */
export function embeddedIPv4(address: string): string | undefined {
  const groups = expandIPv6(address);
  if (!groups) return undefined;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !nat64) return undefined;
  return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.');
}

function expandIPv6(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : 8 - h.length - t.length;
  return [...h, ...Array(zeros).fill('0'), ...t].map((g) => parseInt(g, 16));
}

/** Why a connection to address:port is refused, or undefined when it is allowed. */
export function refusal(policy: EgressPolicy, address: string, port: number): string | undefined {
  const family = isIP(address);
  if (!family) return `"${address}" is not an IP address`;
  const v4 = family === 6 ? embeddedIPv4(address) : undefined;
  const allowed = (a: string, f: 'ipv4' | 'ipv6') => policy.allow.some((e) => e.list.check(a, f) && (e.port === undefined || e.port === port));
  const candidates: [string, 'ipv4' | 'ipv6'][] = [[address, family === 6 ? 'ipv6' : 'ipv4'], ...(v4 ? [[v4, 'ipv4'] as [string, 'ipv4']] : [])];
  if (candidates.some(([a, f]) => allowed(a, f))) return undefined;
  if (candidates.some(([a, f]) => notPublic.check(a, f))) {
    return `${address} is not a public address (loopback, private, link-local or reserved); allow it with HOOKFLOW_EGRESS_ALLOW if it is meant to be called`;
  }
  return undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request: resolves the name, refuses it when any of its addresses is not
 * allowed, and hands the socket exactly the addresses it checked.
 */
export type Resolve = (hostname: string, options: { all: true; family: number }, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

export function checkedLookup(policy: EgressPolicy, port: number, resolve: Resolve = dnsLookup as Resolve) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    resolve(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, '');
      const refused = addresses.map((a) => refusal(policy, a.address, port)).find((r) => r !== undefined);
      if (refused) return callback(new EgressRefused(`${hostname} resolves to ${refused}`), '');
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
