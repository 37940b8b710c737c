// Per-host pacing of http.request across every worker (HOOKFLOW_HTTP_HOST_LIMITS, e.g.
// api.shopify.com=2): at most N calls per second to one host. Each call first claims the next free
// slot of its host, slots being 1/N s apart (lib/slot-store.ts, shared by every worker), then waits
// for its slot to begin. The host is only known here: a URL may come from a secret, which workflow
// code never sees.
import type { Collection, Db } from 'mongodb';
import type { HostLimits } from '../lib/config';
import { SlotStore, type SlotStoreOptions } from '../lib/slot-store';

export const HOST_SLOTS_COLLECTION = 'hookflow_http_host_slots';

/** How long a slot is kept after it began: a worker whose clock is behind still finds it taken. */
const KEEP_PAST_SLOTS_MS = 60_000;

/** `at`: when the slot begins. */
interface HostSlot { _id: string; at: Date; expiresAt: Date }

export interface HostPacerOptions extends SlotStoreOptions {
  sleep?: (ms: number) => Promise<void>;
}

export class HostPacer {
  readonly collection: Collection<HostSlot>;
  private readonly slots: SlotStore<HostSlot>;

  constructor(db: Db, private readonly limits: HostLimits, private readonly opts: HostPacerOptions = {}) {
    this.slots = new SlotStore<HostSlot>(db, HOST_SLOTS_COLLECTION, opts);
    this.collection = this.slots.collection;
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
    const wait = Math.max(0, (await this.claimSlot(host, perSecond)) - this.slots.now());
    if (wait > 0) await (this.opts.sleep ?? defaultSleep)(wait);
    return wait;
  }

  /**
   * Claims the first free slot of `key` (a host, or `destination:<name>` for outbound webhooks)
   * at `perSecond`, shared by every worker; returns when it begins (epoch ms).
   */
  async claimSlot(key: string, perSecond: number): Promise<number> {
    const intervalMs = 1000 / perSecond;
    // The first slot that begins now or later: calls start at slot beginnings, so any second holds at most N.
    const first = Math.ceil(this.slots.now() / intervalMs);
    const k = (await this.slots.claim(key, first, Infinity, (n) => ({ at: new Date(n * intervalMs), expiresAt: new Date(n * intervalMs + KEEP_PAST_SLOTS_MS) })))!;
    return k * intervalMs;
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
