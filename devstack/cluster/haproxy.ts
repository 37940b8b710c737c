// HAProxy (Debian's package) as the load balancer: it terminates TLS with a certificate made for
// loopback, spreads webhooks over the ingress replicas, takes a replica out of rotation when its
// /healthz stops answering 200, and tells each replica the client's address in X-Forwarded-For.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ManagedProcess, portAnswers, startProcess, waitUntil } from '../process';

export interface HaproxyOptions {
  dir: string;
  /** Where the HTTPS frontend listens (loopback). */
  port: number;
  /** Its statistics page (loopback): each replica's state, as the health checks see it. */
  statsPort: number;
  backends: { name: string; port: number }[];
  echo?: boolean;
}

export interface Haproxy {
  url: string;
  statsUrl: string;
  /** The self-signed certificate (PEM): give it to clients as their CA (curl --cacert, NODE_EXTRA_CA_CERTS). */
  certFile: string;
  process: ManagedProcess;
}

export function haproxyBin(env = process.env): string {
  const bin = env.HOOKFLOW_HAPROXY_BIN || ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p));
  if (!bin) throw new Error('HAProxy is not installed: apt-get install haproxy (or set HOOKFLOW_HAPROXY_BIN)');
  return bin;
}

/** A self-signed certificate for localhost and 127.0.0.1, made once with openssl and kept. */
export function ensureCertificate(dir: string): { certFile: string; pemFile: string } {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const pemFile = join(dir, 'haproxy.pem');
  if (!existsSync(pemFile)) {
    const res = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '825',
      '-keyout', keyFile, '-out', certFile, '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`openssl could not make the load balancer's certificate: ${(res.stderr || String(res.error)).trim()}`);
    writeFileSync(pemFile, readFileSync(certFile, 'utf8') + readFileSync(keyFile, 'utf8'), { mode: 0o600 }); // HAProxy wants both in one file
  }
  return { certFile, pemFile };
}

export function haproxyConfig(opts: HaproxyOptions, pemFile: string): string {
  return `# Written by npm run cluster (devstack/cluster/haproxy.ts); rewritten at every start.
global
  log stderr format short local0 warning
  maxconn 4096
  ssl-default-bind-options ssl-min-ver TLSv1.2

defaults
  mode http
  log global
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout http-request 10s
  # A connection refused by a replica that just died is tried again on another one; a request
  # a replica received is never sent twice by HAProxy (the provider's retry and hookflow's
  # duplicate detection cover that case).
  retries 2
  option redispatch 1

frontend webhooks
  bind 127.0.0.1:${opts.port} ssl crt ${pemFile}
  # Appends the peer address HAProxy saw to X-Forwarded-For; with 127.0.0.1 in a source's
  # network.trustedProxies the ingress reads it from the right, so a client cannot forge it.
  option forwardfor
  http-request set-header X-Forwarded-Proto https
  default_backend ingress

backend ingress
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  default-server inter 1s fastinter 500ms fall 2 rise 2
${opts.backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`).join('\n')}

frontend stats
  bind 127.0.0.1:${opts.statsPort}
  stats enable
  stats uri /
  stats refresh 5s
`;
}

export async function startHaproxy(opts: HaproxyOptions): Promise<Haproxy> {
  const bin = haproxyBin();
  const { certFile, pemFile } = ensureCertificate(join(opts.dir, 'tls'));
  const configFile = join(opts.dir, 'haproxy.cfg');
  writeFileSync(configFile, haproxyConfig(opts, pemFile));
  const check = spawnSync(bin, ['-c', '-q', '-f', configFile], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`HAProxy refused its configuration ${configFile}: ${(check.stderr || check.stdout).trim()}`);
  // -db: stay in the foreground, so the launcher owns the process and its parent-death signal.
  const proc = startProcess({ name: 'haproxy', command: bin, args: ['-db', '-f', configFile], logFile: join(opts.dir, 'haproxy.log'), echo: opts.echo });
  await waitUntil(proc, `port ${opts.port}`, () => portAnswers(opts.port), 30_000);
  return { url: `https://127.0.0.1:${opts.port}`, statsUrl: `http://127.0.0.1:${opts.statsPort}/`, certFile, process: proc };
}
