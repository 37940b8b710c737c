// The Grafana dashboard's relay panel, evaluated by Prometheus's own engine (promtool's PromQL
// tests): a replica whose delivery store cannot be read reports -1, which the panel shows as
// "store unreadable", never as a backlog of -1 events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { ROOT } from '../helpers/paths';
import { PROMTOOL_BIN } from '../helpers/prometheus-server';

const panel = (JSON.parse(readFileSync(join(ROOT, 'ops/grafana/hookflow-dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string; legendFormat: string }[] }[] })
  .panels.find((p) => /^Relay: backlog/.test(p.title))!;
const expr = (legend: string) => panel.targets.find((t) => t.legendFormat === legend)!.expr;

test('the relay panel leaves the store-down -1 out of its counts and shows it as "store unreadable"', async () => {
  assert.ok(panel, 'the dashboard has its relay panel');
  // Two replicas: ingress-1 reads the store throughout; ingress-2 cannot read it from minute 2 on.
  const input_series = [
    { series: 'hookflow_relay_backlog{instance="ingress-1"}', values: '3 3 3 3' },
    { series: 'hookflow_relay_backlog{instance="ingress-2"}', values: '2 2 -1 -1' },
    { series: 'hookflow_relay_oldest_pending_seconds{instance="ingress-1"}', values: '40 40 40 40' },
    { series: 'hookflow_relay_oldest_pending_seconds{instance="ingress-2"}', values: '90 90 -1 -1' },
  ];
  const onlyDown = [
    { series: 'hookflow_relay_backlog{instance="ingress-1"}', values: '-1 -1' },
    { series: 'hookflow_relay_oldest_pending_seconds{instance="ingress-1"}', values: '-1 -1' },
  ];
  const cases = {
    rule_files: [],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m', input_series,
        promql_expr_test: [
          { expr: expr('waiting deliveries'), eval_time: '1m', exp_samples: [{ labels: '{}', value: 3 }] },
          { expr: expr('store unreadable'), eval_time: '1m', exp_samples: [{ labels: '{}', value: 0 }] },
          { expr: expr('waiting deliveries'), eval_time: '3m', exp_samples: [{ labels: '{}', value: 3 }] },
          { expr: expr('oldest waiting (s)'), eval_time: '3m', exp_samples: [{ labels: '{}', value: 40 }] },
          { expr: expr('store unreadable'), eval_time: '3m', exp_samples: [{ labels: '{}', value: 1 }] },
        ],
      },
      {
        interval: '1m', input_series: onlyDown,
        promql_expr_test: [
          { expr: expr('waiting deliveries'), eval_time: '1m', exp_samples: [] },
          { expr: expr('oldest waiting (s)'), eval_time: '1m', exp_samples: [] },
          { expr: expr('store unreadable'), eval_time: '1m', exp_samples: [{ labels: '{}', value: 1 }] },
        ],
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-dashboard-'));
  try {
    writeFileSync(join(dir, 'panel.test.yml'), stringify(cases));
    const failure = await promisify(execFile)(PROMTOOL_BIN, ['test', 'rules', 'panel.test.yml'], { cwd: dir }).then(() => '', (err: { stdout?: string; stderr?: string; code?: string }) => {
      if (err.code === 'ENOENT') throw new Error(`promtool not found at ${PROMTOOL_BIN}: install Debian's prometheus package or set HOOKFLOW_PROMTOOL`);
      return `${err.stdout}${err.stderr}` || 'promtool failed';
    });
    assert.equal(failure, '', 'promtool found the panel wrong');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
