// The outbound destinations' breaker state as a gauge that tells the truth on every worker. A
// worker's own sight of a destination (after its last attempt) goes stale as soon as another
// worker or an operator changes the state, and stays stale while it sends nothing there — the
// operator's resume would never show. So each scrape reads the state from the store (every worker
// then reports the same), and the age of what is shown is a gauge of its own: 0 after a read at
// this scrape; when the store cannot be read, the time since this worker last read or saw it.
import { Gauge, type Registry } from 'prom-client';

export const DESTINATION_STATES = ['active', 'paused', 'disabled'] as const;
export type DestinationStateLabel = (typeof DESTINATION_STATES)[number];

/** The states of the configured destinations as the store has them (none stored: active). */
export type ReadDestinationStates = () => Promise<{ destination: string; state: DestinationStateLabel }[]>;

/** A scrape does not wait longer than this for the store; the gauge then shows the last state known, with its age. */
const READ_TIMEOUT_MS = 2000;

export interface DestinationStateGauge {
  /** This worker saw the state (after an attempt). */
  saw(destination: string, state: DestinationStateLabel): void;
  /** Read the states from the store on each scrape. */
  watch(read: ReadDestinationStates): void;
}

export function destinationStateGauge(registry: Registry, now: () => number = Date.now): DestinationStateGauge {
  let read: ReadDestinationStates | undefined;
  /** When each destination's shown state was last known true (read or seen), ms. */
  const knownAt = new Map<string, number>();
  let pending: Promise<void> | undefined;
  const set = (destination: string, state: DestinationStateLabel) => {
    for (const s of DESTINATION_STATES) gauge.set({ destination, state: s }, s === state ? 1 : 0);
    knownAt.set(destination, now());
  };
  // One read per scrape, shared by both gauges (the registry may collect them at once).
  const refresh = () => pending ??= (async () => {
    if (!read) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      const states = await Promise.race([read(), new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), READ_TIMEOUT_MS); })]);
      for (const { destination, state } of states) set(destination, state);
      // A destination no longer configured: its series go.
      const current = new Set(states.map((s) => s.destination));
      for (const destination of [...knownAt.keys()].filter((d) => !current.has(d))) {
        knownAt.delete(destination);
        for (const s of DESTINATION_STATES) gauge.remove({ destination, state: s });
        age.remove({ destination });
      }
    } catch {
      // The store is unreachable: the last state known stays, and its age grows.
    } finally {
      clearTimeout(timer);
    }
  })().finally(() => { pending = undefined; });

  const gauge = new Gauge({
    name: 'hookflow_outbound_destination_state',
    help: "A destination's breaker state: 1 for the state it is in (active, paused, disabled), 0 for the others. Read from the store at each scrape, so every worker reports the same; when the store cannot be read, the state last known (see hookflow_outbound_destination_state_age_seconds).",
    labelNames: ['destination', 'state'],
    registers: [registry],
    async collect() { await refresh(); },
  });
  const age = new Gauge({
    name: 'hookflow_outbound_destination_state_age_seconds',
    help: 'How old the state in hookflow_outbound_destination_state is: 0 when it was read from the store at this scrape; when the store could not be read, the time since this worker last read or saw it.',
    labelNames: ['destination'],
    registers: [registry],
    async collect() {
      await refresh();
      for (const [destination, at] of knownAt) age.set({ destination }, Math.max(0, Math.floor((now() - at) / 1000)));
    },
  });
  return { saw: set, watch: (r) => { read = r; } };
}
