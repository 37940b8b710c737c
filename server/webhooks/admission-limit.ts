// How many webhook requests one ingress admits at once, from what it measures. Little's law:
// requests in progress = completion rate × answer time, so to keep answers within the no-queue
// answer time plus `targetQueueMs`, admit at most
//
//     completion rate of admitted requests × (no-queue answer time + targetQueueMs)
//
// clamped to [floor, ceiling]. The no-queue answer time is measured, not assumed: it is the answer
// time of requests during which no more than `floor` were in progress at any moment (requests
// share the CPU and the store, so one admitted early is slowed by those that come after it).
// So on a machine that is slow for other reasons (CPU taken by other processes) the bound follows
// the slow answers up instead of refusing work that is not queued at all. Two more rules keep it
// from refusing work it could do:
// - while no request in progress is older than the no-queue answer time, nothing is queued yet
//   (a burst after a quiet spell): the ceiling applies;
// - the rate is taken over the span the recent completions cover, so it is known one answer time
//   after a burst starts, not a whole window later.
// At the start, and every `probeEveryMs` while the bound is refusing (then no request finds a short
// queue), the bound is `floor` until one request finishes that saw no queue (TCP BBR's idea: drain
// briefly to see the no-queue time again).
// Pure: time comes from the caller.

export interface LimitOptions {
  /** Never fewer than this at once: enough to keep the pipeline (group commit, starts) busy. */
  floor: number;
  /** Never more than this at once (HOOKFLOW_MAX_IN_FLIGHT). */
  ceiling: number;
  /** Queueing time (ms) allowed on top of the no-queue answer time. */
  targetQueueMs: number;
  /** Completion rate over at most this many recent ms (or two no-queue answer times, if longer). */
  windowMs?: number;
  /** While refusing, the no-queue answer time is measured again this often (ms). */
  probeEveryMs?: number;
}

/** What `admitted` hands out and `completed` takes back. */
export interface Ticket {
  began: number;
  /** The `crowded` count at admission, or -1 when the admission itself crowded the ingress. */
  crowd: number;
}

/** Weight of the newest no-queue answer time in the moving average. */
const NO_QUEUE_WEIGHT = 0.2;

export class AdaptiveLimit {
  readonly floor: number;
  private readonly ceiling: number;
  private readonly targetQueueMs: number;
  private readonly windowMs: number;
  private readonly probeEveryMs: number;
  /** Completion times in the last window, oldest first (from `head`). */
  private completions: number[] = [];
  private head = 0;
  /** Requests in progress, oldest first (a Set keeps insertion order). */
  private inProgress = new Set<Ticket>();
  private noQueueMs: number | undefined;
  private lastNoQueueAt = -Infinity;
  /** From the start: the first request alone measures the no-queue answer time. */
  private probing = true;
  /** Admissions that took the requests in progress past `floor`: a request that saw none is a no-queue one. */
  private crowded = 0;

  constructor(opts: LimitOptions) {
    this.ceiling = opts.ceiling;
    this.floor = Math.min(opts.ceiling, opts.floor);
    this.targetQueueMs = opts.targetQueueMs;
    this.windowMs = opts.windowMs ?? 1000;
    this.probeEveryMs = opts.probeEveryMs ?? 10_000;
  }

  /** Requests that may be in progress at once, now. */
  bound(now: number): number {
    if (this.probing) return this.floor;
    const noQueueMs = this.noQueueMs!; // measured: probing ends with the first measure
    const oldest = this.inProgress.values().next().value;
    if (!oldest || now - oldest.began < noQueueMs) return this.ceiling;
    // Over at least two answer times; a batch of completions at one instant is not a rate.
    const count = this.recentCompletions(now, Math.max(this.windowMs, 2 * noQueueMs));
    const span = count ? now - this.completions[this.head] : 0;
    const perMs = count > 1 ? (count - 1) / Math.max(span, this.windowMs / 10) : 0;
    const wanted = Math.ceil(perMs * (noQueueMs + this.targetQueueMs));
    return Math.max(this.floor, Math.min(this.ceiling, wanted));
  }

  /** A request was refused: if the no-queue time is stale, drain to `floor` to measure it again. */
  refused(now: number): void {
    if (now - this.lastNoQueueAt >= this.probeEveryMs) this.probing = true;
  }

  /** A request was admitted; the ticket goes back to `completed`. */
  admitted(now: number): Ticket {
    const crowds = this.inProgress.size + 1 > this.floor;
    if (crowds) this.crowded++;
    const ticket = { began: now, crowd: crowds ? -1 : this.crowded };
    this.inProgress.add(ticket);
    return ticket;
  }

  /** An admitted request finished. */
  completed(now: number, ticket: Ticket): void {
    this.inProgress.delete(ticket);
    this.completions.push(now);
    // bound() only reads the rate once a queue builds: trim here too, or a never-queued ingress keeps every completion.
    // Four windows back: a window that widens with the no-queue time (bound()) still finds what it reads.
    this.recentCompletions(now, 4 * Math.max(this.windowMs, 2 * (this.noQueueMs ?? 0)));
    if (ticket.crowd !== this.crowded) return;
    const ms = now - ticket.began;
    this.noQueueMs = this.noQueueMs === undefined ? ms : this.noQueueMs + NO_QUEUE_WEIGHT * (ms - this.noQueueMs);
    this.lastNoQueueAt = now;
    this.probing = false;
  }

  /** Completion times kept (the rate's window and a margin). */
  get trackedCompletions(): number {
    return this.completions.length - this.head;
  }

  private recentCompletions(now: number, windowMs: number): number {
    const since = now - windowMs;
    while (this.head < this.completions.length && this.completions[this.head] <= since) this.head++;
    if (this.head > 1024 && this.head * 2 > this.completions.length) {
      this.completions = this.completions.slice(this.head);
      this.head = 0;
    }
    return this.completions.length - this.head;
  }
}
