// A provider as the ingress sees one: it posts each signed event, counts it delivered only on a
// 2xx, and re-sends what was not acknowledged (a refused connection, a 5xx, a time-out) until it
// is, or until its deadline. Every attempt is kept, so the figures say what was re-sent.
import { signedHeaders } from '../bench/events';
import { runLanes } from '../bench/lanes';
import type { ChaosEvent } from './events';
import { httpPoster } from './http';

export const WEBHOOK_PATH = '/webhooks/payments';

export interface Delivery {
  event: ChaosEvent;
  acknowledged: boolean;
  attempts: number;
  /** Attempts made by resendUnacknowledged (after a fault), not the first send or a storm's copies. */
  resends: number;
  /** HTTP statuses (or the error text) of every attempt. */
  answers: (number | string)[];
}

export class Provider {
  readonly deliveries = new Map<string, Delivery>();
  private readonly http: ReturnType<typeof httpPoster>;
  private turn = 0;

  /**
   * `urls()`: the ingresses first sends go to, round robin (a dead one refuses them, as one that
   * just died does before a load balancer notices); `resendUrls()`: where re-sends go; `ca`: the
   * certificate of an https:// load balancer.
   */
  constructor(private readonly urls: () => string[], private readonly resendUrls = urls, ca?: string) {
    this.http = httpPoster(64, ca);
  }

  /** One attempt at delivering `event`; true when acknowledged. */
  async send(event: ChaosEvent, resend = false): Promise<boolean> {
    const d = this.deliveries.get(event.id) ?? { event, acknowledged: false, attempts: 0, resends: 0, answers: [] };
    this.deliveries.set(event.id, d);
    const urls = resend ? this.resendUrls() : this.urls();
    const url = `${urls[this.turn++ % urls.length]}${WEBHOOK_PATH}`;
    d.attempts++;
    try {
      const answer = await this.http.post(url, signedHeaders(event.body), event.body);
      // A 5xx that is not hookflow's JSON comes from a load balancer whose replica died mid-request:
      // like a reset connection, it says nothing of whether the event was stored (the replica may
      // have started its run just before dying), so it is kept as text, not as a refusal.
      const fromBalancer = answer.status >= 500 && !answer.body.trimStart().startsWith('{');
      d.answers.push(fromBalancer ? `${answer.status} from the load balancer: ${answer.body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 60)}` : answer.status);
      if (answer.status >= 200 && answer.status < 300) d.acknowledged = true;
      return answer.status >= 200 && answer.status < 300;
    } catch (err) {
      d.answers.push(err instanceof Error ? err.message : String(err));
      return false;
    }
  }

  /** Sends each event once, `concurrency` at a time, optionally paced. */
  async sendAll(events: ChaosEvent[], opts: { concurrency: number; ratePerSec?: number; maxMs: number }): Promise<void> {
    await runLanes({ count: events.length, concurrency: opts.concurrency, ratePerSec: opts.ratePerSec, maxMs: opts.maxMs, send: async (i) => String(await this.send(events[i])) });
  }

  /** Re-sends every unacknowledged event, in rounds a second apart, until all are acknowledged or the deadline passes. */
  async resendUnacknowledged(deadline: number): Promise<void> {
    for (;;) {
      const open = [...this.deliveries.values()].filter((d) => !d.acknowledged);
      if (open.length === 0 || Date.now() > deadline) return;
      await runLanes({ count: open.length, concurrency: 16, maxMs: Math.max(1000, deadline - Date.now()), send: async (i) => { open[i].resends++; return String(await this.send(open[i].event, true)); } });
      if (open.some((d) => !d.acknowledged)) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** Re-sent attempts after faults, over all events. */
  resent(): number {
    return [...this.deliveries.values()].reduce((n, d) => n + d.resends, 0);
  }

  acknowledged(): Delivery[] {
    return [...this.deliveries.values()].filter((d) => d.acknowledged);
  }

  close(): void {
    this.http.close();
  }
}
