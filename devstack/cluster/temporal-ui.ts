// Temporal's Web UI server (github.com/temporalio/ui-server, the same the dev server embeds),
// pointed at the cluster's frontend.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ManagedProcess, portAnswers, startProcess, waitUntil } from '../process';

export async function startTemporalUi(opts: { bin: string; dir: string; port: number; temporalAddress: string; echo?: boolean }): Promise<{ url: string; process: ManagedProcess }> {
  mkdirSync(opts.dir, { recursive: true });
  writeFileSync(join(opts.dir, 'cluster.yaml'), `# Written by npm run cluster (devstack/cluster/temporal-ui.ts).
temporalGrpcAddress: ${opts.temporalAddress}
host: 127.0.0.1
port: ${opts.port}
enableUi: true
defaultNamespace: default
refreshInterval: 1m
notifyOnNewVersion: false
cors:
  cookieInsecure: true
`);
  const proc = startProcess({
    name: 'temporal-ui',
    command: opts.bin,
    args: ['--root', '/', '--config', opts.dir, '--env', 'cluster', 'start'],
    logFile: join(opts.dir, 'ui.log'),
    echo: opts.echo,
  });
  await waitUntil(proc, `port ${opts.port}`, () => portAnswers(opts.port), 60_000);
  return { url: `http://127.0.0.1:${opts.port}`, process: proc };
}
