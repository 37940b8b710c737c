// One raw HTTP POST on loopback with a keep-alive agent, bounded in time: the provider's and the
// flood's only way to talk to the ingress (the public HTTP contract, nothing imported from server/).
import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface Answer { status: number; body: string }

/** `ca`: the certificate an https:// URL's server (the cluster's HAProxy) is trusted by. */
export function httpPoster(maxSockets: number, ca?: string) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const tlsAgent = new HttpsAgent({ keepAlive: true, maxSockets, ca });
  const post = (url: string, headers: Record<string, string>, body: string | Buffer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : request;
      const req = send(target, { method: 'POST', agent: target.protocol === 'https:' ? tlsAgent : agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: 15_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.once('error', reject);
      });
      req.once('timeout', () => req.destroy(new Error('request timed out after 15 s')));
      req.once('error', reject);
      req.end(body);
    });
  return { post, close: () => { agent.destroy(); tlsAgent.destroy(); } };
}
