// Where an http.request goes: the base URL (the flow file's, or a declared secret's) and a path
// that can only add to it. The origin is the base's whatever the path holds: the request is built
// from the base's host and port, never by parsing base + path, and a path with a dot segment
// (`..`, also percent-encoded), a backslash, a fragment or a control character is refused.
import { isIP } from 'node:net';

export interface RequestTarget {
  protocol: 'http:' | 'https:';
  /** Host name or IP address (IPv6 without brackets). */
  hostname: string;
  port: number;
  /** Path and query, as sent on the request line. */
  path: string;
  auth?: string;
  /** For messages and host pacing. */
  href: string;
}

export class TargetRefused extends Error {}

export function requestTarget(base: string, path: string | undefined): RequestTarget {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new TargetRefused('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetRefused('must be an http or https URL');
  const extra = path ?? '';
  if (extra && !extra.startsWith('/')) throw new TargetRefused(`path must start with "/", got ${JSON.stringify(extra)}`);
  if (/[\u0000-\u0020\u007f\\#]/.test(extra)) throw new TargetRefused(`path may not hold spaces, control characters, "\\" or "#", got ${JSON.stringify(extra)}`);
  const [pathPart] = extra.split('?');
  if (pathPart.split('/').some((segment) => isDotSegment(segment))) throw new TargetRefused(`path may not climb ("." or ".." segments), got ${JSON.stringify(extra)}`);
  const basePath = url.pathname.replace(/\/+$/, '');
  const query = url.search;
  // A base with a query keeps it after the path's own (rare: webhook URLs with a token in the query).
  const joined = extra ? `${basePath}${extra}${query ? (extra.includes('?') ? `&${query.slice(1)}` : query) : ''}` : `${url.pathname}${query}`;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const auth = url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
  const shownHost = isIP(hostname) === 6 ? `[${hostname}]` : hostname;
  return { protocol: url.protocol, hostname, port, path: joined || '/', auth, href: `${url.protocol}//${shownHost}${url.port ? `:${url.port}` : ''}${joined || '/'}` };
}

function isDotSegment(segment: string): boolean {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // Not valid percent-encoding: judged as it is.
  }
  return decoded === '.' || decoded === '..';
}

/** Whether a host pattern (host, host:port, *.domain, [v6]:port) names the target. */
export function hostMatches(pattern: string, target: Pick<RequestTarget, 'hostname' | 'port'>): boolean {
  const m = /^(\[[^\]]+\]|[^:]+|[0-9a-f:]+)(?::(\d+))?$/i.exec(pattern.trim().toLowerCase());
  if (!m) return false;
  const host = m[1].replace(/^\[(.*)\]$/, '$1');
  if (m[2] !== undefined && Number(m[2]) !== target.port) return false;
  const name = target.hostname.toLowerCase();
  return host.startsWith('*.') ? name.endsWith(host.slice(1)) && name.length > host.length - 1 : name === host;
}
