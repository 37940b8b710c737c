// Secrets are named in the flow file, never by data: a flow declares the secrets it uses
// (`secrets:`), and the workflow tells http.request where in its arguments the flow file wrote a
// reference. The activity resolves those places only, so a payload that renders into
// `{ "secret": "TEMPORAL_API_KEY" }` stays data (and is refused where a string was expected).
// Pure: runs inside workflow code.
import { wholeTemplate } from './expressions';

export type ArgPath = (string | number)[];

/** A reference the flow file wrote: where it is in the step's arguments, the name, where it may be sent. */
export interface SecretRef {
  path: ArgPath;
  name: string;
  /** Hosts (host, host:port or *.domain) a request carrying it may go to; any the egress policy allows when absent. */
  hosts?: string[];
}

/** An entry of a flow's `secrets:` list: a name, or a name with the hosts it may be sent to. */
export type SecretDeclaration = string | { name: string; hosts?: string[] };

export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isSecretRef(value: unknown): value is { secret: string } {
  return !!value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { secret?: unknown }).secret === 'string';
}

export function declaredSecrets(list: SecretDeclaration[] | undefined): Map<string, { name: string; hosts?: string[] }> {
  return new Map((list ?? []).map((d) => (typeof d === 'string' ? { name: d } : d)).map((d) => [d.name, d]));
}

/** The places in an http.request's `with:` where the flow file names a secret: url, header values and sign.secret. */
export function secretPlaces(args: Record<string, unknown> | undefined): { path: ArgPath; name: string }[] {
  const out: { path: ArgPath; name: string }[] = [];
  if (!args) return out;
  if (isSecretRef(args.url)) out.push({ path: ['url'], name: args.url.secret });
  const headers = args.headers;
  if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
    for (const [k, v] of Object.entries(headers)) if (isSecretRef(v)) out.push({ path: ['headers', k], name: v.secret });
  }
  const sign = args.sign as { secret?: unknown } | undefined;
  if (sign && typeof sign === 'object' && typeof sign.secret === 'string' && wholeTemplate(sign.secret) === undefined && SECRET_NAME.test(sign.secret)) {
    out.push({ path: ['sign', 'secret'], name: sign.secret });
  }
  return out;
}

/** What the workflow hands http.request: the declared references of its static arguments (others are not resolved). */
export function staticSecretRefs(uses: string, args: Record<string, unknown> | undefined, declared: SecretDeclaration[] | undefined): SecretRef[] | undefined {
  if (uses !== 'http.request') return undefined;
  const known = declaredSecrets(declared);
  return secretPlaces(args).flatMap(({ path, name }) => {
    const d = known.get(name);
    return d ? [{ path, name, ...(d.hosts && { hosts: d.hosts }) }] : [];
  });
}
