// The event ids a queue workflow (entity queue, gate, collector) has taken, so a duplicate signal
// is dropped; the most recent are carried across continue-as-new. The delivery store is the main
// guard against duplicates; this one covers a signal delivered twice.
import { log } from '@temporalio/workflow';

export class SeenEvents {
  private readonly ids: Set<string>;
  private readonly kept: number;

  /** `carried`: the ids the previous run passed on; `kept`: how many the next run gets. */
  constructor(carried: string[] | undefined, kept: number) {
    this.ids = new Set(carried ?? []);
    this.kept = kept;
  }

  /** True the first time an event id comes; a repeat is logged and dropped (false). */
  firstTime(eventId: string): boolean {
    if (this.ids.has(eventId)) {
      log.info('duplicate event dropped', { eventId });
      return false;
    }
    this.ids.add(eventId);
    return true;
  }

  /** The most recent ids, for the next run's input. */
  carried(): string[] { return [...this.ids].slice(-this.kept); }
}
