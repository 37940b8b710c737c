// Per-host pacing of http.request across every worker (HOOKFLOW_HTTP_HOST_LIMITS, e.g.
// api.shopify.com=2): at most N calls per second to one host. Each call first claims the next free
// slot of its host, slots being 1/N s apart, by a unique _id insert in MongoDB (the one guarantee
// FerretDB 1.24 keeps under concurrency), then waits for its slot to begin. The host is only known
// here: a URL may come from a secret, which workflow code never sees.
import type { Collection, Db } from 'mongodb';
import type { HostLimits } from '../lib/config';
import { insertOnce } from '../lib/insert-once';

export const HOST_SLOTS_COLLECTION = 'hookflow_http_host_slots';

const PURGE_EVERY_MS = 60_000;

interface HostSlot { _id: string; at: Date }


export interface HostPacerOptions {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class HostPacer {
  readonly collection: Collection<HostSlot>;
  /** Per host, the next slot likely free: this worker's own claims are not tried again. */
  private readonly nextSlot = new Map<string, number>();
  private lastPurge = 0;

  constructor(db: Db, private readonly limits: HostLimits, private readonly opts: HostPacerOptions = {}) {
    this.collection = db.collection<HostSlot>(HOST_SLOTS_COLLECTION);
  }

  /** The limit that applies to a host, if any. */
  limitOf(host: string): number | undefined {
    const name = host.toLowerCase();
    if (this.limits[name] !== undefined) return this.limits[name];
    const dot = name.indexOf('.');
    return dot > 0 ? this.limits[`*${name.slice(dot)}`] : undefined;
  }

  /** Waits until a call to `url` may be made; at once for hosts without a limit. Returns the wait (ms). */
  async pace(url: string): Promise<number> {
    const host = URL.canParse(url) ? new URL(url).hostname.toLowerCase() : ''; // fetch reports a bad URL
    const perSecond = host ? this.limitOf(host) : undefined;
    if (!perSecond) return 0;
    const wait = Math.max(0, (await this.claimSlot(host, perSecond)) - this.now());
    if (wait > 0) await (this.opts.sleep ?? defaultSleep)(wait);
    return wait;
  }

  /**
   * Claims the first free slot of `key` (a host, or `destination:<name>` for outbound webhooks)
   * at `perSecond`, shared by every worker; returns when it begins (epoch ms).
   */
  async claimSlot(key: string, perSecond: number): Promise<number> {
    const intervalMs = 1000 / perSecond;
    const now = this.now();
    this.purgeNowAndThen(now);
    // The first slot that begins now or later: calls start at slot beginnings, so any second holds at most N.
    let k = Math.max(Math.ceil(now / intervalMs), this.nextSlot.get(key) ?? 0);
    while (!(await insertOnce(this.collection, { _id: `${key}|${k}`, at: new Date(k * intervalMs) }))) k++;
    this.nextSlot.set(key, k + 1);
    return k * intervalMs;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Past slots are of no use once they began; deleted now and then (no TTL indexes on FerretDB). */
  private purgeNowAndThen(now: number): void {
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    void this.collection.deleteMany({ at: { $lt: new Date(now - PURGE_EVERY_MS) } }).catch(() => undefined);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
