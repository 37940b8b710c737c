// What the ingress measures about run starts: how long each hand-over to Temporal took, and the
// runs it started or the rate limits dropped, by flow.
import type { IngressMetrics } from '../../lib/metrics';
import type { RunStarter } from './planned-runs';
import { RATE_LIMITED } from './rate-limits';

/** Times each hand-over of an event to Temporal and counts the runs it started, by flow. */
export function measuredStarter(start: RunStarter, metrics: IngressMetrics): RunStarter {
  return async (runs, event, log) => {
    const done = metrics.startLatency.startTimer();
    try {
      const started = await start(runs, event, log);
      const fresh = started.filter((r) => !r.duplicate && r.ignored !== RATE_LIMITED);
      done({ outcome: fresh.length ? 'started' : 'duplicate' });
      for (const run of fresh) metrics.runsStarted.inc({ flow: run.flow });
      for (const run of started) if (run.ignored === RATE_LIMITED) metrics.rateLimited.inc({ flow: run.flow });
      return started;
    } catch (err) {
      done({ outcome: 'failed' });
      throw err;
    }
  };
}
