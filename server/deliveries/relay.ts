// The relay: starts accepted events whose runs could not be started when they arrived (Temporal
// down, or the ingress died mid-request). Runs in every ingress replica; each attempt on a record is
// claimed by exactly one relay (see DeliveryStore.claimDue), and workflow ids are deterministic, so
// a retry after a crash never starts a second run.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { StartRefusedError, errorText } from '../../lib/errors';
import type { DeliveryRecord, RecordedRun } from './record';
import type { DeliveryStore } from './store';
import { type Clock, systemClock } from '../../lib/clock';
import { ATTR, SpanKind, contextFromHeaders, withSpan } from '../../lib/tracing';

/** Starts a stored event's planned runs; throws a StartRefusedError when it can never succeed. */
export type StartRecorded = (record: DeliveryRecord, log: Logger) => Promise<RecordedRun[]>;

/** Default for RelayOptions.giveUpAfterMs: three days, longer than any Temporal outage worth waiting out. */
export const DEFAULT_GIVE_UP_AFTER_MS = 3 * 24 * 3600 * 1000;


export interface RelayOptions {
  store: DeliveryStore;
  startRecorded: StartRecorded;
  log: Logger;
  /** How often to look for due records when there were none (ms). */
  pollMs: number;
  /**
   * While polls keep finding nothing, the interval doubles up to this (default 10 × pollMs): on
   * FerretDB the poll reads every stored delivery. A retry scheduled through the store brings
   * the next poll forward to its time.
   */
  maxIdlePollMs?: number;
  /** How often expired records are purged (ms). */
  purgeEveryMs?: number;
  clock?: Clock;
  /**
   * How long (ms after it was received) a record whose start keeps failing for a transient reason
   * is retried; then it is marked failed (reason gave_up), so no record stays pending for ever.
   */
  giveUpAfterMs?: number;
}

export interface Relay {
  /** Looks for due records now instead of at the next poll. */
  wake(): void;
  stop(): Promise<void>;
}

export function startRelay(opts: RelayOptions): Relay {
  const owner = `relay-${randomUUID().slice(0, 8)}`;
  const log = opts.log.child({ relay: owner });
  const clock = opts.clock ?? systemClock;
  let running = true;
  let lastPurge = 0;
  const maxIdleMs = Math.max(opts.pollMs, opts.maxIdlePollMs ?? opts.pollMs * 10);
  let idleMs = opts.pollMs;

  let timer: unknown;
  let endSleep: () => void = () => undefined;
  /** When the current sleep ends; 0 while not sleeping. */
  let sleepingUntil = 0;
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    sleepingUntil = clock.now() + ms;
    endSleep = () => { sleepingUntil = 0; resolve(); };
    timer = clock.setTimer(endSleep, ms);
  });
  const wake = () => {
    idleMs = opts.pollMs;
    clock.clearTimer(timer);
    endSleep();
  };
  /** A record becomes due at `at`: poll then at the latest. */
  const expect = (at: Date) => {
    idleMs = opts.pollMs;
    if (!sleepingUntil || at.getTime() >= sleepingUntil) return;
    clock.clearTimer(timer);
    sleepingUntil = at.getTime();
    timer = clock.setTimer(endSleep, Math.max(0, at.getTime() - clock.now()));
  };
  const unsubscribe = opts.store.onRetryScheduled(expect);

  async function relayOne(): Promise<boolean> {
    const record = await opts.store.claimDue(owner);
    if (!record) return false;
    const eventLog = log.child({ deliveryId: record._id, eventId: record.eventId, eventType: record.eventType, requestId: record.requestId });
    try {
      // A span of the event's own trace (its request's traceparent, kept on the record).
      const attributes = { [ATTR.deliveryId]: record._id, [ATTR.source]: record.source, ...(record.eventId && { [ATTR.eventId]: record.eventId }), 'hookflow.relay.attempt': record.relay?.attempts ?? 0 };
      const parent = record.traceparent ? contextFromHeaders({ traceparent: record.traceparent }) : undefined;
      const runs = await withSpan('relay start', attributes, () => opts.startRecorded(record, eventLog), { kind: SpanKind.INTERNAL, parent });
      // Not awaited (the mark lingers to share a write); if it is lost, the record's lease runs out and a relay confirms it.
      void opts.store.markStarted(record._id, runs).catch((err) => eventLog.warn({ err: errorText(err) }, 'runs started but not marked; a relay will confirm them'));
      eventLog.info({ attempts: record.relay?.attempts, workflowIds: runs.map((r) => r.workflowId) }, 'relay started the runs of a stored event');
    } catch (err) {
      const now = new Date(clock.now());
      const waited = now.getTime() - record.receivedAt.getTime();
      if (err instanceof StartRefusedError) {
        eventLog.error({ reason: err.reason, err: err.message }, 'relay gave up on a stored event: its runs cannot be started');
        await opts.store.markFailed(record, err.reason, err.message, now);
      } else if (waited >= (opts.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS)) {
        const message = `gave up after ${record.relay?.attempts} attempts over ${Math.round(waited / 1000)} s; last error: ${errorText(err)}`;
        eventLog.error({ attempts: record.relay?.attempts, err: errorText(err) }, `relay gave up on a stored event: ${message}`);
        await opts.store.markFailed(record, 'gave_up', message, now);
      } else {
        eventLog.warn({ attempts: record.relay?.attempts, err: errorText(err) }, 'relay could not start the runs yet; will retry');
        await opts.store.retryLater(record, err);
      }
    }
    return true;
  }

  async function loop(): Promise<void> {
    while (running) {
      let busy = false;
      try {
        busy = await relayOne();
        if (clock.now() - lastPurge > (opts.purgeEveryMs ?? 60_000)) {
          lastPurge = clock.now();
          const purged = await opts.store.purgeExpired();
          if (purged) log.info({ purged }, 'purged expired delivery records');
        }
      } catch (err) {
        log.error({ err: errorText(err) }, 'relay cannot reach the delivery store');
      }
      if (busy) idleMs = opts.pollMs;
      else if (running) {
        await sleep(idleMs);
        idleMs = Math.min(idleMs * 2, maxIdleMs);
      }
    }
  }

  const done = loop();
  return {
    wake,
    async stop() {
      running = false;
      unsubscribe();
      wake();
      await done;
    },
  };
}
