// Inside a Temporal workflow, `new Date()` and `Date.now()` give the workflow's time, which timers
// move on; so `$now()` and `$millis()` in a flow read it. While a case runs, the same: the time
// the event was received plus the simulated time the run has waited. Cases run one at a time, and
// the real Date is back as soon as the run ends.
export async function withSimulatedDate<T>(now: () => number, fn: () => Promise<T>): Promise<T> {
  const RealDate = Date;
  class SimulatedDate extends RealDate {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(now());
      else super(...(args as [number]));
    }

    static now(): number {
      return now();
    }
  }
  globalThis.Date = SimulatedDate as DateConstructor;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}
