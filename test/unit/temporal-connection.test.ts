// The Temporal connection settings built from the environment (lib/temporal-connection.ts), and
// the ingress's HTTPS settings (lib/config.ts): what each variable turns on, and that a wrong
// value fails at start-up naming the variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporalConnectionSettings, withoutTemporalSecurity } from '../../lib/temporal-connection';
import { loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

const PEM = (what: string) => Buffer.from(`-----BEGIN ${what}-----\nAAAA\n-----END ${what}-----\n`);
const FILES: Record<string, Buffer> = { '/tls/ca.pem': PEM('CERTIFICATE'), '/tls/client.pem': PEM('CERTIFICATE'), '/tls/client.key': PEM('PRIVATE KEY'), '/tls/notes.txt': Buffer.from('not a certificate') };
const readFile = (path: string): Buffer => {
  if (!(path in FILES)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return FILES[path];
};
const settings = (env: NodeJS.ProcessEnv) => temporalConnectionSettings(env, readFile);
const refused = (env: NodeJS.ProcessEnv, message: RegExp) => assert.throws(() => settings(env), (err: unknown) => err instanceof ConfigError && message.test(err.message));

test('nothing set: the local dev server, plaintext', () => {
  assert.deepEqual(settings({}), { address: '127.0.0.1:7233', tls: false });
});

test('Temporal Cloud with an API key: TLS with the system CAs, the key sent as bearer token', () => {
  assert.deepEqual(settings({ TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_API_KEY: 'key-1' }), { address: 'eu-west-1.aws.api.temporal.io:7233', tls: {}, apiKey: 'key-1' });
});

test('mTLS: the server CA, the client certificate and key, and the server name', () => {
  const built = settings({
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/tls/ca.pem',
    TEMPORAL_TLS_CLIENT_CERT_PATH: '/tls/client.pem',
    TEMPORAL_TLS_CLIENT_KEY_PATH: '/tls/client.key',
    TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal',
  });
  assert.deepEqual(built, {
    address: 'temporal.internal:7233',
    tls: { serverRootCACertificate: FILES['/tls/ca.pem'], clientCertPair: { crt: FILES['/tls/client.pem'], key: FILES['/tls/client.key'] }, serverNameOverride: 'frontend.temporal' },
  });
});

test('TEMPORAL_TLS turns TLS on alone, or off (also with an API key)', () => {
  assert.deepEqual(settings({ TEMPORAL_TLS: 'true' }).tls, {});
  assert.deepEqual(settings({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }), { address: '127.0.0.1:7233', tls: false, apiKey: 'k' });
});

test('wrong values fail naming the variable', () => {
  refused({ TEMPORAL_ADDRESS: 'temporal.internal' }, /^TEMPORAL_ADDRESS must be host:port/);
  refused({ TEMPORAL_TLS: 'yes' }, /^TEMPORAL_TLS must be true or false, got "yes"/);
  refused({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/tls/client.pem' }, /TEMPORAL_TLS_CLIENT_KEY_PATH is not/);
  refused({ TEMPORAL_TLS_CLIENT_KEY_PATH: '/tls/client.key' }, /^TEMPORAL_TLS_CLIENT_KEY_PATH is set but TEMPORAL_TLS_CLIENT_CERT_PATH is not/);
  refused({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/tls/missing.pem' }, /^TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read "\/tls\/missing.pem" \(ENOENT\)/);
  refused({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/tls/notes.txt' }, /^TEMPORAL_TLS_SERVER_CA_CERT_PATH: "\/tls\/notes.txt" is not a PEM file/);
  refused({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/tls/ca.pem' }, /^TEMPORAL_TLS is false but TEMPORAL_TLS_SERVER_CA_CERT_PATH is set/);
});

test('loadConfig carries the settings and fails fast on them; a started dev server gets none of them', () => {
  assert.deepEqual(loadConfig({ TEMPORAL_API_KEY: 'k' }).temporal, { address: '127.0.0.1:7233', tls: {}, apiKey: 'k' });
  assert.throws(() => loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/client.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: '/nonexistent/client.key' }), /TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read/);
  const stripped = withoutTemporalSecurity({ TEMPORAL_ADDRESS: 'a:1', TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'true', TEMPORAL_TLS_CLIENT_CERT_PATH: '/c', TEMPORAL_TLS_CLIENT_KEY_PATH: '/k', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/ca', TEMPORAL_TLS_SERVER_NAME: 's', PATH: '/bin' });
  assert.deepEqual(stripped, { TEMPORAL_ADDRESS: 'a:1', PATH: '/bin' });
});

test('the ingress serves HTTPS only with both a readable certificate and key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-tls-'));
  writeFileSync(join(dir, 'cert.pem'), PEM('CERTIFICATE'));
  writeFileSync(join(dir, 'key.pem'), PEM('PRIVATE KEY'));
  assert.equal(loadConfig({}).ingressTls, undefined);
  assert.deepEqual(loadConfig({ HOOKFLOW_TLS_CERT_PATH: join(dir, 'cert.pem'), HOOKFLOW_TLS_KEY_PATH: join(dir, 'key.pem') }).ingressTls, { certPath: join(dir, 'cert.pem'), keyPath: join(dir, 'key.pem') });
  assert.throws(() => loadConfig({ HOOKFLOW_TLS_CERT_PATH: join(dir, 'cert.pem') }), /^ConfigError: HOOKFLOW_TLS_KEY_PATH must be set too/);
  assert.throws(() => loadConfig({ HOOKFLOW_TLS_CERT_PATH: join(dir, 'cert.pem'), HOOKFLOW_TLS_KEY_PATH: join(dir, 'nope.pem') }), /HOOKFLOW_TLS_KEY_PATH: cannot read .*nope.pem" \(ENOENT\)/);
});
