// A destination for outbound webhook tests: a real HTTP server on loopback that keeps every
// request (headers and raw body) and answers with the status the test sets.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest { path: string; headers: IncomingHttpHeaders; body: string; at: number }

export interface WebhookReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** The status answered from now on (200 by default), or a function of the request. */
  answer(status: number | ((req: ReceivedRequest) => number)): void;
  /** Answers this many ms after the request arrived (0 by default). */
  delay(ms: number): void;
  /** The most requests this receiver was answering at once. */
  maxInFlight(): number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hooks'): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  let status: number | ((req: ReceivedRequest) => number) = 200;
  let delayMs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(received);
      setTimeout(() => {
        inFlight--;
        res.writeHead(typeof status === 'function' ? status(received) : status, { 'content-type': 'application/json' }).end(JSON.stringify({ received: true }));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    requests,
    answer: (s) => { status = s; },
    delay: (ms) => { delayMs = ms; },
    maxInFlight: () => maxInFlight,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
