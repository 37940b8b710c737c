// How the ingress and the worker reach Temporal: address, TLS (the server's CA, a client
// certificate and key for mTLS, the server name) or an API key, read from the variables the
// Temporal CLI and SDKs read (docs.temporal.io "Environment configuration"). Checked once at
// start-up: a wrong value fails with a message naming the variable. The result fits both the
// client's Connection and the worker's NativeConnection options.
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors';

export interface TemporalTls {
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
  serverNameOverride?: string;
}

export interface TemporalConnectionSettings {
  address: string;
  /** false: plaintext (the dev server); {} is TLS trusting the system's CAs (Temporal Cloud). */
  tls: TemporalTls | false;
  apiKey?: string;
}

const PATHS = {
  ca: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  cert: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  key: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
} as const;

export function temporalConnectionSettings(env: NodeJS.ProcessEnv, readFile: (path: string) => Buffer = readFileSync): TemporalConnectionSettings {
  const address = env.TEMPORAL_ADDRESS || '127.0.0.1:7233';
  if (!/^[^:\s]+:\d+$/.test(address)) throw new ConfigError(`TEMPORAL_ADDRESS must be host:port, got "${address}"`);
  const apiKey = env.TEMPORAL_API_KEY || undefined;
  const enabled = flag(env, 'TEMPORAL_TLS');
  const [ca, cert, key] = [pem(env, PATHS.ca, readFile), pem(env, PATHS.cert, readFile), pem(env, PATHS.key, readFile)];
  if (cert && !key) throw new ConfigError(`${PATHS.cert} is set but ${PATHS.key} is not: mTLS needs the client certificate and its key`);
  if (key && !cert) throw new ConfigError(`${PATHS.key} is set but ${PATHS.cert} is not: mTLS needs the client certificate and its key`);
  const serverName = env.TEMPORAL_TLS_SERVER_NAME || undefined;
  const tlsAsked = !!(ca || cert || serverName);
  if (enabled === false && tlsAsked) throw new ConfigError(`TEMPORAL_TLS is false but ${ca ? PATHS.ca : cert ? PATHS.cert : 'TEMPORAL_TLS_SERVER_NAME'} is set: unset one of them`);
  // As in Temporal's own clients: TLS is on when asked for, or by default with an API key.
  const on = enabled ?? (tlsAsked || !!apiKey);
  const tls: TemporalTls | false = on
    ? { ...(ca && { serverRootCACertificate: ca }), ...(cert && key && { clientCertPair: { crt: cert, key } }), ...(serverName && { serverNameOverride: serverName }) }
    : false;
  return { address, tls, ...(apiKey && { apiKey }) };
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function pem(env: NodeJS.ProcessEnv, name: string, readFile: (path: string) => Buffer): Buffer | undefined {
  const path = env[name];
  if (!path) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFile(path);
  } catch (err) {
    throw new ConfigError(`${name}: cannot read "${path}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!bytes.toString('utf8').includes('-----BEGIN ')) throw new ConfigError(`${name}: "${path}" is not a PEM file (no -----BEGIN line)`);
  return bytes;
}

/** The environment for processes that talk to a Temporal dev server started for them (plaintext, no key). */
export function withoutTemporalSecurity(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rest = { ...env };
  for (const name of ['TEMPORAL_TLS', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS_SERVER_NAME', ...Object.values(PATHS)]) delete rest[name];
  return rest;
}
