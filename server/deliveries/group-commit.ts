// Group commit: concurrent callers' writes go to the store together. One write is in flight at
// a time; what arrives meanwhile waits and goes in the next one, so a lone request pays no delay
// and a busy ingress pays one round trip per batch instead of one per request. Each caller is
// answered with its own item's outcome once the write that carried it has returned.

/** Writes `items` at once; gives each item's result (or the Error that item alone met), in order. */
export type BatchWrite<T, R> = (items: T[]) => Promise<(R | Error)[]>;

interface Waiting<T, R> { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }

export class GroupCommit<T, R> {
  private queue: Waiting<T, R>[] = [];
  private writing = false;

  constructor(private readonly write: BatchWrite<T, R>, private readonly maxBatch = 128) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
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
