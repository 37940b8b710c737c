// A real Prometheus (Debian's `prometheus` package) for a test: a temp config scraping the given
// /metrics URLs every second and evaluating hookflow's alert rules every second, on a free
// loopback port with its own data folder. Stopped (by pid) and removed by stop().
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/net';
import { ROOT } from './paths';
import { waitFor } from './wait-for';

export const PROMETHEUS_BIN = process.env.HOOKFLOW_PROMETHEUS ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.HOOKFLOW_PROMTOOL ?? '/usr/bin/promtool';
export const ALERT_RULES = join(ROOT, 'ops/prometheus/alerts.yml');

export interface PrometheusServer {
  url: string;
  /** GET /api/v1/<path> → its data (fails on an error answer). */
  api<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

/** jobs: job name → the /metrics URL to scrape. */
export async function startPrometheus(jobs: Record<string, string>): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-prometheus-'));
  const scrapeConfigs = Object.entries(jobs).map(([job, url]) => {
    const u = new URL(url);
    return { job_name: job, metrics_path: u.pathname, scheme: u.protocol.replace(':', ''), static_configs: [{ targets: [u.host] }] };
  });
  const config = { global: { scrape_interval: '1s', evaluation_interval: '1s' }, rule_files: [ALERT_RULES], scrape_configs: scrapeConfigs };
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config)); // JSON is YAML
  const port = await freePort();
  const child: ChildProcess = spawn(PROMETHEUS_BIN, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('Prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200;
    }, { attempts: 300, intervalMs: 100 });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    async api<T>(path: string): Promise<T> {
      const body = (await (await fetch(`${url}/api/v1/${path}`)).json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
      return body.data;
    },
    stop,
  };
}
