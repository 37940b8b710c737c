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
// the slow answers up instead of refusing work that is not queued at all. While the bound is
// refusing, no such request comes by, so every `probeEveryMs` the bound drops to `floor` until one
// does (an idea of TCP BBR's: drain the queue briefly to see the no-queue time again).
// Pure: time comes from the caller.

export interface LimitOptions {
  /** Never fewer than this at once: enough to keep the pipeline (group commit, starts) busy. */
  floor: number;
  /** Never more than this at once (HOOKFLOW_MAX_IN_FLIGHT). */
  ceiling: number;
  /** Queueing time (ms) allowed on top of the no-queue answer time. */
  targetQueueMs: number;
  /** Completion rate over this many recent ms. */
  windowMs?: number;
  /** While refusing, the no-queue answer time is measured again this often (ms). */
  probeEveryMs?: number;
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
  private noQueueMs: number | undefined;
  private lastNoQueueAt = -Infinity;
  private probing = false;
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
    const perMs = this.recentCompletions(now) / this.windowMs;
    const wanted = Math.ceil(perMs * ((this.noQueueMs ?? 0) + this.targetQueueMs));
    return Math.max(this.floor, Math.min(this.ceiling, wanted));
  }

  /** A request was refused: if the no-queue time is stale, drain to `floor` to measure it again. */
  refused(now: number): void {
    if (now - this.lastNoQueueAt >= this.probeEveryMs) this.probing = true;
  }

  /** A request was admitted, making `inFlight` in progress; what it returns goes to `completed`. */
  admitted(inFlight: number): number {
    if (inFlight <= this.floor) return this.crowded;
    this.crowded++;
    return -1;
  }

  /** An admitted request finished after `ms`. */
  completed(now: number, ms: number, admission: number): void {
    this.completions.push(now);
    if (admission !== this.crowded) return;
    this.noQueueMs = this.noQueueMs === undefined ? ms : this.noQueueMs + NO_QUEUE_WEIGHT * (ms - this.noQueueMs);
    this.lastNoQueueAt = now;
    this.probing = false;
  }

  /** For tests and metrics: the measured no-queue answer time (ms), if any yet. */
  noQueueAnswerMs(): number | undefined {
    return this.noQueueMs;
  }

  private recentCompletions(now: number): number {
    const since = now - this.windowMs;
    while (this.head < this.completions.length && this.completions[this.head] <= since) this.head++;
    if (this.head > 1024 && this.head * 2 > this.completions.length) {
      this.completions = this.completions.slice(this.head);
      this.head = 0;
    }
    return this.completions.length - this.head;
  }
}
