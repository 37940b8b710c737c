// The Temporal SDK's metrics, read from its loopback exporter for the worker's /metrics. When they
// cannot be read (the exporter down, an error answer, or nothing in it), /metrics says so instead
// of serving the worker's own metrics alone as if that were all: hookflow_worker_sdk_metrics_up 0,
// a comment line with the reason, and one warning in the log per outage.
import { Gauge, type Registry } from 'prom-client';
import { errorText } from '../lib/errors';

export const SDK_METRICS_UP = 'hookflow_worker_sdk_metrics_up';

export interface SdkMetricsLog { warn(fields: object, message: string): void; info(fields: object, message: string): void }

/** Returns a reader of the SDK's exposition text ('' and a comment when unreadable); registers the up gauge in `registry`. */
export function sdkMetricsReader(address: string, registry: Registry, log?: SdkMetricsLog): () => Promise<string> {
  const up = (registry.getSingleMetric(SDK_METRICS_UP) as Gauge | undefined)
    ?? new Gauge({ name: SDK_METRICS_UP, help: 'Whether the worker could read the Temporal SDK\'s metrics for this scrape (1) or not (0: its slot, poller and latency metrics are missing).', registers: [registry] });
  let down = false;
  return async () => {
    let problem: string;
    try {
      const res = await fetch(`http://${address}/metrics`);
      const text = await res.text();
      if (res.ok && text.trim()) {
        up.set(1);
        if (down) log?.info({ address }, 'the Temporal SDK\'s metrics are readable again');
        down = false;
        return text;
      }
      problem = res.ok ? 'its exporter answered with no metrics' : `its exporter answered ${res.status}`;
    } catch (err) {
      problem = `its exporter did not answer: ${errorText(err)}`;
    }
    up.set(0);
    if (!down) log?.warn({ address, problem }, 'the Temporal SDK\'s metrics are missing from /metrics');
    down = true;
    return `# ${SDK_METRICS_UP} 0: the Temporal SDK's metrics could not be read (${problem.replace(/\n/g, ' ')})\n`;
  };
}
