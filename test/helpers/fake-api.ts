// A real HTTP server on loopback standing in for a provider's API or a ledger: records every
// request (headers and raw body) and answers with whatever the test's handler returns.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest { method: string; path: string; headers: IncomingMessage['headers']; body: string }
export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string | string[]>;
  /** Answer this much later (a slow API); a client that gives up first closes the request and the answer is dropped. */
  delayMs?: number;
}
export type FakeHandler = (req: RecordedRequest) => FakeResponse;

export interface FakeApi {
  url: string;
  requests: RecordedRequest[];
  /** Replace to change the answers; default 200 {}. */
  handler: FakeHandler;
  close(): Promise<void>;
}

export async function startFakeApi(): Promise<FakeApi> {
  const api = { requests: [] as RecordedRequest[], handler: (() => ({ status: 200, body: {} })) as FakeHandler };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      api.requests.push(recorded);
      const answer = api.handler(recorded);
      const timer = setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify(answer.body ?? {}));
      }, answer.delayMs ?? 0);
      res.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(api, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}
