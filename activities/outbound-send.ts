// One HTTP attempt of a delivery: POST the body with its signature and headers, where the egress
// policy allows (lib/egress.ts, HOOKFLOW_EGRESS_ALLOW), within the destination's timeout. Never
// throws for the receiver's answer or a network error: the outcome is data the workflow decides on.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { type EgressPolicy, type Resolve, checkedLookup, refusal } from '../lib/egress';
import { type RequestTarget, requestTarget } from './http-target';

const MAX_RESPONSE_KEPT = 1024;

export interface SendResult { status?: number; error?: string; response?: string; ms: number; retryable: boolean }

/** Kept-alive sockets per process: a destination's attempts reuse connections (a pool per host). */
export const outboundAgents = () => ({ http: new HttpAgent({ keepAlive: true, maxSockets: 64 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) });

export async function postDelivery(url: string, headers: Record<string, string>, body: string, o: { timeoutMs: number; egress: EgressPolicy; agents: ReturnType<typeof outboundAgents>; resolve?: Resolve }): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let target: RequestTarget;
  try {
    target = requestTarget(url, undefined);
  } catch (err) {
    return { error: `the URL is refused: ${(err as Error).message}`, ms: 0, retryable: false };
  }
  const literal = isIP(target.hostname) ? refusal(o.egress, target.hostname, target.port) : undefined;
  if (literal) return { error: `refused by the egress policy: ${literal}`, ms: 0, retryable: false };
  try {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)({
        protocol: target.protocol, hostname: target.hostname, port: target.port, path: target.path, auth: target.auth,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'hookflow' },
        signal: AbortSignal.timeout(o.timeoutMs),
        agent: target.protocol === 'https:' ? o.agents.https : o.agents.http,
        lookup: checkedLookup(o.egress, target.port, o.resolve) as never,
      }, resolve);
      req.on('error', reject);
      req.end(body);
    });
    const response = await readSome(res);
    const status = res.statusCode ?? 0;
    const ok = status >= 200 && status < 300;
    // 4xx but 408, 409 and 429 say the receiver will refuse it again; Standard Webhooks senders retry them all, and so do we: the breaker stops a broken one.
    return { status, ms: elapsed(), retryable: !ok, ...(response && { response }), ...(!ok && { error: `answered ${status}` }) };
  } catch (err) {
    const egress = (err as Error).name === 'EgressRefused';
    return { error: egress ? `refused by the egress policy: ${(err as Error).message}` : (err as Error).message, ms: elapsed(), retryable: !egress };
  }
}

/** The first bytes of the answer; the rest is drained so the socket can be reused. */
async function readSome(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    if (size < MAX_RESPONSE_KEPT) chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_KEPT).toString('utf8');
}
