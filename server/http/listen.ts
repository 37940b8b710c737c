// Where the ingress listens: plain HTTP, or HTTPS with a certificate and key read from files and
// read again when either changes, so a renewed certificate is served without a restart. A pair
// that does not load (half written, key not matching) is logged and the previous one kept.
import { X509Certificate } from 'node:crypto';
import { type Stats, readFileSync, unwatchFile, watchFile } from 'node:fs';
import { type RequestListener, STATUS_CODES, type Server, createServer as createHttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';

export interface ListenOptions {
  port: number;
  host: string;
  tls?: { certPath: string; keyPath: string };
  log: Logger;
  /** How often the certificate files are looked at (stat), in ms. */
  pollMs?: number;
}

export interface Listening {
  server: Server;
  url: string;
}

/**
 * Node's defaults let a client take 300 s over a request and 60 s over its headers. Headers come
 * first and fast from any real sender; a body has its own, shorter deadline (read-body.ts).
 */
export const HEADERS_TIMEOUT_MS = 15_000;
export const REQUEST_TIMEOUT_MS = 30_000;

/** Stat polling notices a file replaced by rename or symlink swap (as Kubernetes and certbot do), which fs.watch can miss. */
const POLL_MS = 1000;
/** A certificate and its key are written one after the other: wait for both before loading. */
const SETTLE_MS = 200;

export async function listen(handler: RequestListener, opts: ListenOptions): Promise<Listening> {
  const server = opts.tls ? httpsServer(handler, opts.tls, opts.log, opts.pollMs ?? POLL_MS) : createHttpServer(handler);
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as { port: number };
  return { server, url: `${opts.tls ? 'https' : 'http'}://${opts.host}:${port}` };
}

/** What Node itself refuses before any handler runs, in the documented error shape (it answers with an empty body). */
const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'the request headers are larger than this server accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'the request took too long to arrive'],
};

function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const answered = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (err.code === 'ECONNRESET' || !socket.writable || answered) {
    socket.destroy();
    return;
  }
  const [status, code, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'bad_request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function httpsServer(handler: RequestListener, tls: { certPath: string; keyPath: string }, log: Logger, pollMs: number): Server {
  const read = () => ({ cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) });
  const first = read(); // unreadable or mismatched at start-up: the ingress does not start
  const server = createHttpsServer(first, handler);
  log.info(describe(first.cert), 'serving HTTPS');
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    try {
      const pair = read();
      createSecureContext(pair); // throws on a key that does not match the certificate
      server.setSecureContext(pair);
      log.info(describe(pair.cert), 'TLS certificate reloaded');
    } catch (err) {
      log.error({ err: (err as Error).message, cert: tls.certPath, key: tls.keyPath }, 'TLS certificate not reloaded; still serving the previous one');
    }
  };
  const changed = (now: Stats, before: Stats) => {
    if (now.mtimeMs === before.mtimeMs && now.ino === before.ino && now.size === before.size) return;
    clearTimeout(timer);
    timer = setTimeout(reload, SETTLE_MS);
  };
  watchFile(tls.certPath, { interval: pollMs }, changed);
  watchFile(tls.keyPath, { interval: pollMs }, changed);
  server.on('close', () => {
    clearTimeout(timer);
    unwatchFile(tls.certPath, changed);
    unwatchFile(tls.keyPath, changed);
  });
  return server;
}

function describe(cert: Buffer): Record<string, string> {
  try {
    const x509 = new X509Certificate(cert);
    return { subject: x509.subject.replace(/\n/g, ', '), validTo: x509.validTo, fingerprint256: x509.fingerprint256 };
  } catch {
    return {};
  }
}
