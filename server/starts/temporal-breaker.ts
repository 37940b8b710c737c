// A circuit breaker in front of Temporal starts. Once starts keep failing for a transient reason
// (Temporal unreachable), requests stop waiting out the start deadline: they fail at once, so the
// event is answered 202 pending and left to the relay. While open, a probe asks Temporal in the
// background; the first answer closes the breaker and wakes the relay.
import type { Logger } from 'pino';
import { UnavailableError } from '../../lib/errors';
import type { RunStarter } from './planned-runs';
import { type Clock, systemClock } from '../../lib/clock';

export interface BreakerOptions {
  /** Asks Temporal something cheap (GetSystemInfo); resolves when it answers. */
  probe: () => Promise<unknown>;
  log: Logger;
  /** Consecutive transient start failures that open the breaker. */
  failuresToOpen?: number;
  /** Wait (ms) between two probes while open. */
  probeEveryMs?: number;
  /** Called when the breaker closes again (the relay's wake). */
  onClose?: () => void;
  clock?: Clock;
}

export interface TemporalBreaker {
  /** The starter, guarded: while open it throws UnavailableError without calling Temporal. */
  guard(start: RunStarter): RunStarter;
  isOpen(): boolean;
  stop(): void;
}

export function createTemporalBreaker(opts: BreakerOptions): TemporalBreaker {
  const clock = opts.clock ?? systemClock;
  const failuresToOpen = opts.failuresToOpen ?? 3;
  const probeEveryMs = opts.probeEveryMs ?? 1000;
  let failures = 0;
  let open = false;
  let stopped = false;
  let timer: unknown;

  const close = () => {
    if (!open) return;
    open = false;
    failures = 0;
    opts.log.info('Temporal answers again: starts go through (breaker closed)');
    opts.onClose?.();
  };
  const scheduleProbe = () => {
    if (stopped) return;
    timer = clock.setTimer(() => {
      opts.probe().then(close, () => { if (open) scheduleProbe(); });
    }, probeEveryMs);
    (timer as { unref?: () => void } | undefined)?.unref?.(); // a probe never keeps the process alive
  };
  const trip = (err: unknown) => {
    if (open || ++failures < failuresToOpen) return;
    open = true;
    opts.log.warn({ err: (err as Error).message }, 'Temporal is unreachable: events are stored and left to the relay until a probe gets an answer (breaker open)');
    scheduleProbe();
  };

  return {
    guard: (start) => async (runs, event, log) => {
      if (open) throw new UnavailableError('the workflow engine is unreachable; the event is stored and will be started when it is back');
      try {
        const started = await start(runs, event, log);
        failures = 0;
        return started;
      } catch (err) {
        if (err instanceof UnavailableError) trip(err);
        throw err;
      }
    },
    isOpen: () => open,
    stop() {
      stopped = true;
      clock.clearTimer(timer);
    },
  };
}
