// HTTP load on the ingress: autocannon for the maximum accept rate, and a plain keep-alive
// http.Agent sender for paced load and end-to-end runs. Each request is a unique, signed event.
import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { paymentEvent, signedHeaders } from './events';
import { type LaneResult, share } from './lanes';

export const WEBHOOK_PATH = '/webhooks/payments';

export interface AutocannonLoad {
  /** Ingress base URLs; connections and events are split evenly between them. */
  urls: string[];
  events: number;
  connections: number;
  maxSeconds: number;
  runTag: string;
}

/** Runs autocannon against every URL at once and merges the raw per-request figures. */
export async function autocannonLoad(opts: AutocannonLoad): Promise<LaneResult> {
  const merged: LaneResult = { sent: 0, elapsedMs: 0, latencies: [], statuses: [], errors: [] };
  let nextIndex = 0;
  const start = performance.now();
  // autocannon notices that `amount` is reached on its once-a-second tick: its end would round
  // the elapsed time up to whole seconds (1000 events took "8.0", "9.0" or "10.0 s").
  let lastAnswerAt: number | undefined;
  await Promise.all(opts.urls.map((url, u) => new Promise<void>((resolve, reject) => {
    const part = (total: number) => share(total, opts.urls.length, u);
    const instance = autocannon({
      url,
      connections: Math.max(1, Math.min(part(opts.connections), part(opts.events))),
      amount: part(opts.events),
      timeout: 10,
      requests: [{
        method: 'POST',
        path: WEBHOOK_PATH,
        // Called for every request: a fresh event id, body and signature each time.
        setupRequest: (req) => {
          const body = JSON.stringify(paymentEvent(opts.runTag, nextIndex++));
          return { ...req, method: 'POST', path: WEBHOOK_PATH, headers: signedHeaders(body), body };
        },
      }],
    }, (err) => { clearTimeout(timer); if (err) reject(err); else resolve(); });
    // autocannon's `amount` overrides its `duration`: bound the time ourselves.
    const timer = setTimeout(() => instance.stop(), opts.maxSeconds * 1000);
    instance.on('response', (_client, statusCode, _bytes, ms) => {
      merged.sent++;
      lastAnswerAt = performance.now();
      merged.latencies.push(ms);
      merged.statuses.push(statusCode);
    });
    instance.on('reqError', (err) => { merged.sent++; lastAnswerAt = performance.now(); merged.errors.push(String(err?.message ?? err)); });
  })));
  merged.elapsedMs = (lastAnswerAt ?? performance.now()) - start; // nothing answered: the whole wait, a rate of 0
  return merged;
}

/**
 * A sender for runLanes: POSTs event `index` of `runTag` to one of `urls` (round robin); resolves
 * with the status. With `countRetryAfter`, it counts 503 answers that lack Retry-After.
 */
export function httpEventSender(urls: string[], runTag: string, maxSockets: number, countRetryAfter = false) {
  // FIFO: every pooled socket is reused in turn, so none sits idle until the server's keep-alive
  // timeout closes it just as it is picked (a reset that is the harness's, not the ingress's).
  const agent = new Agent({ keepAlive: true, maxSockets, scheduling: 'fifo' });
  let withoutRetryAfter = 0;
  const send = (index: number): Promise<number> => {
    const body = JSON.stringify(paymentEvent(runTag, index));
    const url = new URL(WEBHOOK_PATH, urls[index % urls.length]);
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { ...signedHeaders(body), 'content-length': Buffer.byteLength(body) }, timeout: 10_000 }, (res) => {
        if (countRetryAfter && res.statusCode === 503 && !res.headers['retry-after']) withoutRetryAfter++;
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      });
      req.once('timeout', () => req.destroy(new Error('request timed out after 10 s')));
      req.once('error', reject);
      req.end(body);
    });
  };
  return { send, close: () => agent.destroy(), withoutRetryAfter: () => withoutRetryAfter };
}
