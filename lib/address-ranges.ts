// Address ranges: CIDR text (IPv4 and IPv6) compiled into node's BlockList once at start-up, for
// the sources' network.allow and network.trustedProxies and HOOKFLOW_ADMIN_TRUSTED_PROXIES.
import { BlockList, isIP } from 'node:net';

/** Compiles CIDRs (or single addresses); returns the entries it could not read. */
export function compileCidrs(cidrs: readonly string[]): { list: BlockList; invalid: number[] } {
  const list = new BlockList();
  const invalid: number[] = [];
  cidrs.forEach((text, i) => {
    const [address, bits, extra] = text.trim().split('/');
    const family = isIP(address ?? '');
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (!family || extra !== undefined || !(prefix >= 0 && prefix <= max)) { invalid.push(i); return; }
    list.addSubnet(address!, prefix, family === 4 ? 'ipv4' : 'ipv6');
  });
  return { list, invalid };
}

/** An address as BlockList wants it: IPv4-mapped IPv6 (::ffff:1.2.3.4) becomes plain IPv4. */
export function normalizeAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  let a = address.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1]!;
  const family = isIP(a);
  if (family === 4) return { address: a, family: 'ipv4' };
  if (family === 6) return { address: a, family: 'ipv6' };
  return undefined;
}

export function contains(list: BlockList, address: string): boolean {
  const n = normalizeAddress(address);
  return n !== undefined && list.check(n.address, n.family);
}
