// The ingress over HTTPS, as a real process (server/main.ts) with certificates made here by
// openssl: a real TLS handshake, a certificate swapped on disk served to the next connection
// without a restart, and a broken save logged while the previous certificate stays in service.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/net';
import { ROOT } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'hookflow-https-'));
const certPath = join(dir, 'tls.crt');
const keyPath = join(dir, 'tls.key');
let ingress: ChildProcess;
let port: number;
/** The admin listener: HTTPS with the same certificate. */
let adminPort: number;
const logLines: string[] = [];

/** A self-signed certificate for 127.0.0.1 and its key, as PEM. */
function makeCertificate(name: string): { cert: Buffer; key: Buffer } {
  const [c, k] = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', k, '-out', c,
    '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert: readFileSync(c), key: readFileSync(k) };
}
const fingerprint = (cert: Buffer) => new X509Certificate(cert).fingerprint256;

/** GET over a new TLS connection, trusting only `ca`: the status and the certificate the ingress presented. */
function get(path: string, ca: Buffer, to = port): Promise<{ status: number; presented: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: to, path, ca, agent: false, timeout: 5000 }, (res) => {
      const presented = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, presented }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls until `check` gives a value. Bounded, so that a failure ends in an assertion and the
 * after hook still stops the ingress (a test timeout would leave it running).
 */
async function until<T>(what: string, check: () => Promise<T | undefined | false>, intervalMs = 100, boundMs = 30_000): Promise<T> {
  for (const end = Date.now() + boundMs; Date.now() < end;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  assert.fail(`${what}: not seen within ${boundMs / 1000} s\n${logLines.join('\n')}`);
}

const first = makeCertificate('first');

before(async () => {
  writeFileSync(certPath, first.cert);
  writeFileSync(keyPath, first.key);
  port = await freePort();
  adminPort = await freePort();
  // Temporal and MongoDB are not running: the ingress starts anyway, and /healthz needs neither.
  ingress = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env, PORT: String(port), ADMIN_PORT: String(adminPort), HOST: '127.0.0.1', LOG_LEVEL: 'info', HOOKFLOW_PRETTY_LOGS: '0',
      HOOKFLOW_TLS_CERT_PATH: certPath, HOOKFLOW_TLS_KEY_PATH: keyPath,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, MONGODB_URI: `mongodb://127.0.0.1:${await freePort()}/`,
      PAYMENTS_WEBHOOK_SECRET: 'https-test-secret', HOOKFLOW_ADMIN_TOKEN: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  ingress.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    logLines.push(...lines);
  });
  ingress.stderr!.resume();
  await until('the ingress listening', async () => logLines.some((l) => l.includes('"ingress listening"')), 100, 120_000);
});

after(async () => {
  if (ingress && ingress.exitCode === null) {
    const exited = new Promise((r) => ingress.once('exit', r));
    ingress.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Log lines whose message starts with `msg`. */
const logged = (msg: string) => logLines.filter((l) => l.includes(`"msg":"${msg}`));

test('serves HTTPS with the certificate from the files, and says so in its log', async () => {
  const res = await get('/healthz', first.cert);
  assert.equal(res.status, 200);
  assert.equal(res.presented, fingerprint(first.cert));
  assert.ok(logged('ingress listening').some((l) => l.includes(`"url":"https://127.0.0.1:${port}"`) && l.includes(`"admin":"https://127.0.0.1:${adminPort}"`)), logLines.join('\n'));
  const admin = await get('/healthz', first.cert, adminPort);
  assert.equal(admin.status, 200, 'the admin listener serves HTTPS too');
  assert.equal(admin.presented, fingerprint(first.cert));
  await assert.rejects(get('/healthz', makeCertificate('stranger').cert), /self[- ]signed|unable to verify|certificate/i, 'a client that does not trust the certificate is refused');
});

test('a certificate swapped on disk is served to the next connection; a broken save keeps the previous one', async () => {
  const second = makeCertificate('second');
  writeFileSync(certPath, second.cert); // certificate first, key after: the ingress waits for both
  writeFileSync(keyPath, second.key);
  const swapped = await until('the second certificate served', async () => {
    const res = await get('/healthz', Buffer.concat([first.cert, second.cert]));
    return res.presented === fingerprint(second.cert) && res;
  }, 200);
  assert.equal(swapped.status, 200);
  assert.equal((await get('/healthz', second.cert)).status, 200, 'the new certificate verifies on its own');
  await until('the reload logged', async () => logged('TLS certificate reloaded').some((l) => l.includes(fingerprint(second.cert))));

  const refusedBefore = logged('TLS certificate not reloaded').length;
  writeFileSync(keyPath, makeCertificate('third').key); // a key that does not match the certificate
  await until('the refused reload logged', async () => logged('TLS certificate not reloaded').length > refusedBefore);
  const still = await get('/healthz', second.cert);
  assert.equal(still.presented, fingerprint(second.cert), 'the previous pair stays in service');
  assert.equal(still.status, 200);
});
