// hookflow receiver's server: a local endpoint that verifies hookflow's outbound signatures
// (Standard Webhooks, or hookflow's HMAC scheme) with the same verifiers the ingress uses, and
// keeps what arrived: printed as it comes, and listed as JSON on GET /.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyHmac } from '../verification/hmac';
import { verifyStandardWebhooks } from '../verification/standard-webhooks';
import type { Verification } from '../definitions/source-types';

export type ReceiverScheme = 'standard-webhooks' | 'hookflow-hmac';

export interface Arrival {
  at: string;
  path: string;
  id?: string;
  verified: boolean;
  /** Why the signature was refused. */
  refused?: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface ReceiverOptions {
  host: string;
  port: number;
  scheme: ReceiverScheme;
  /** Secrets as the destination file's environment holds them (whsec_… for Standard Webhooks). */
  secrets: string[];
  /** Answered to a verified delivery (a refused one gets 401). */
  status: number;
  toleranceSeconds?: number;
  onArrival?: (arrival: Arrival) => void;
}

export interface Receiver { url: string; arrivals: Arrival[]; server: Server; close(): Promise<void> }

const KEPT = 200;

export function receiverVerification(scheme: ReceiverScheme, secrets: string[], toleranceSeconds = 300): Verification {
  if (scheme === 'standard-webhooks') {
    return { scheme: 'standard-webhooks', toleranceSeconds, secrets: secrets.map((s, i) => ({ ref: `secret ${i + 1}`, value: Buffer.from(s.replace(/^whsec_/, ''), 'base64') })) };
  }
  return {
    scheme: 'hmac', header: 'x-hookflow-signature', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', timestampHeader: 'x-hookflow-timestamp',
    signedPayload: '{timestamp}.{body}', toleranceSeconds, secrets: secrets.map((s, i) => ({ ref: `secret ${i + 1}`, value: Buffer.from(s, 'utf8') })),
  };
}

export async function startReceiver(o: ReceiverOptions): Promise<Receiver> {
  const arrivals: Arrival[] = [];
  const spec = receiverVerification(o.scheme, o.secrets, o.toleranceSeconds);
  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(arrivals, null, 2));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let refused: string | undefined;
      try {
        if (spec.scheme === 'standard-webhooks') verifyStandardWebhooks(spec as never, req.headers, raw, new Date());
        else verifyHmac(spec as never, req.headers, raw, new Date());
      } catch (err) {
        refused = (err as Error).message;
      }
      let body: unknown = raw.toString('utf8');
      try { body = JSON.parse(body as string); } catch { /* shown as text */ }
      const id = req.headers['webhook-id'] ?? req.headers['x-hookflow-id'];
      const arrival: Arrival = { at: new Date().toISOString(), path: req.url ?? '/', ...(typeof id === 'string' && { id }), verified: !refused, ...(refused && { refused }), headers: req.headers, body };
      arrivals.push(arrival);
      if (arrivals.length > KEPT) arrivals.shift();
      o.onArrival?.(arrival);
      res.writeHead(refused ? 401 : o.status, { 'content-type': 'application/json' }).end(JSON.stringify(refused ? { error: refused } : { received: arrival.id ?? true }));
    });
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(o.port, o.host, resolve); });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    arrivals,
    server,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
