// Group commit: concurrent callers' writes go to the store together. One write is in flight at
// a time; what arrives meanwhile waits and goes in the next one, so a lone request pays no delay
// and a busy ingress pays one round trip per batch instead of one per request. Each caller is
// answered with its own item's outcome once the write that carried it has returned.
// Writes nobody waits on (the started marks) may linger: the first item waits `lingerMs` for
// others to join it, so a moderate flow of events makes few large writes instead of many small ones.

/** Writes `items` at once; gives each item's result (or the Error that item alone met), in order. */
export type BatchWrite<T, R> = (items: T[]) => Promise<(R | Error)[]>;

interface Waiting<T, R> { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }

export interface LingerTimer {
  set(fn: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}

const systemTimer: LingerTimer = { set: (fn, ms) => setTimeout(fn, ms), clear: (t) => clearTimeout(t as NodeJS.Timeout) };

export interface GroupCommitOptions {
  maxBatch?: number;
  /** How long (ms) the first item of a batch waits for others when no write is in flight; 0: none. */
  lingerMs?: number;
  timer?: LingerTimer;
}

export class GroupCommit<T, R> {
  private queue: Waiting<T, R>[] = [];
  private writing = false;
  private drained: Promise<void> = Promise.resolve();
  private lingering: unknown;
  private readonly maxBatch: number;
  private readonly lingerMs: number;
  private readonly timer: LingerTimer;

  constructor(private readonly write: BatchWrite<T, R>, opts: GroupCommitOptions = {}) {
    this.maxBatch = opts.maxBatch ?? 128;
    this.lingerMs = opts.lingerMs ?? 0;
    this.timer = opts.timer ?? systemTimer;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Writes what is waiting now, without lingering; resolves once it is written (a graceful stop). */
  async flush(): Promise<void> {
    if (this.lingering !== undefined) {
      this.timer.clear(this.lingering);
      this.lingering = undefined;
    }
    if (!this.writing && this.queue.length) this.begin();
    await this.drained;
  }

  private schedule(): void {
    if (this.writing) return;
    if (this.lingering !== undefined) {
      if (this.queue.length < this.maxBatch) return;
      this.timer.clear(this.lingering); // a full batch goes at once
      this.lingering = undefined;
    }
    if (this.lingerMs > 0 && this.queue.length < this.maxBatch) {
      this.lingering = this.timer.set(() => {
        this.lingering = undefined;
        this.begin();
      }, this.lingerMs);
    } else {
      this.begin();
    }
  }

  private begin(): void {
    this.writing = true;
    this.drained = this.drain();
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.write(batch.map((w) => w.item));
        batch.forEach((w, i) => {
          const r = results[i];
          if (r instanceof Error) w.reject(r);
          else w.resolve(r as R);
        });
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.writing = false;
  }
}
