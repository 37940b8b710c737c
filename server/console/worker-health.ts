// The Health page's workers: who polls the task queue and how long its oldest workflow task has
// waited (Temporal's DescribeTaskQueue), and for each worker whose ops endpoint is listed
// (HOOKFLOW_WORKER_OPS_URLS) its stall signals from its /metrics: whether it polls, its
// workflow-task slots, and when a workflow task last ran past its deadline (the SDK's TMPRL1104,
// worker/stall-signals.ts). A stall is what makes every run on the queue wait: red.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { type Html, html, when } from './html';

export interface WorkerHealthSource {
  client: Client;
  namespace: string;
  taskQueue: string;
  /** Base URLs of the workers' ops endpoints (their /metrics is read). */
  opsUrls: readonly string[];
}

/** A workflow task over its deadline this recently, or one waiting this long, is a stall (HookflowWorkerStalled's 5 min window). */
export const STALL_WINDOW_MS = 5 * 60_000;
export const OLDEST_TASK_STALL_MS = 5_000;
const READ_DEADLINE_MS = 3000;

export interface WorkerRow {
  url: string;
  polling?: boolean;
  slotsUsed?: number;
  slotsAvailable?: number;
  overDeadline?: number;
  lastOverDeadline?: Date;
  stalled: string[];
  error?: string;
}

export interface QueueRow {
  pollers: { identity: string; lastAccess?: Date }[];
  backlog?: number;
  oldestMs?: number;
  stalled: string[];
  error?: string;
}

/** `name{labels} value` lines of the Prometheus text format, by name with their labels. */
export function parseMetrics(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

export function workerRowOf(url: string, metrics: string, now: Date): WorkerRow {
  const parsed = parseMetrics(metrics);
  const one = (name: string, labels: Record<string, string> = {}) => parsed.find((p) => p.name === name && Object.entries(labels).every(([k, v]) => p.labels[k] === v))?.value;
  const workflow = { worker_type: 'WorkflowWorker' };
  const row: WorkerRow = {
    url,
    polling: ((p) => (p === undefined ? undefined : p === 1))(one('hookflow_worker_polling')),
    slotsUsed: one('temporal_worker_task_slots_used', workflow),
    slotsAvailable: one('temporal_worker_task_slots_available', workflow),
    overDeadline: one('hookflow_worker_workflow_tasks_over_deadline_total'),
    stalled: [],
  };
  const last = one('hookflow_worker_last_workflow_task_over_deadline_seconds');
  if (last) row.lastOverDeadline = new Date(last * 1000);
  if (row.polling === false) row.stalled.push('not polling');
  if (row.slotsAvailable === 0) row.stalled.push('every workflow-task slot in use');
  if (row.lastOverDeadline && now.getTime() - row.lastOverDeadline.getTime() < STALL_WINDOW_MS) row.stalled.push('a workflow task ran past its deadline in the last 5 min');
  return row;
}

async function readWorker(url: string, now: Date): Promise<WorkerRow> {
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/metrics`, { signal: AbortSignal.timeout(READ_DEADLINE_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return workerRowOf(url, await res.text(), now);
  } catch (err) {
    return { url, stalled: ['its ops endpoint does not answer'], error: (err as Error).message };
  }
}

async function readQueue(src: WorkerHealthSource): Promise<QueueRow> {
  try {
    const res = await src.client.connection.withDeadline(Date.now() + READ_DEADLINE_MS, () => src.client.workflowService.describeTaskQueue({
      namespace: src.namespace,
      taskQueue: { name: src.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      reportStats: true,
    }));
    const ts = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(String(t.seconds ?? 0)) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : undefined);
    const pollers = (res.pollers ?? []).map((p) => ({ identity: p.identity ?? '?', lastAccess: ((ms) => (ms ? new Date(ms) : undefined))(ts(p.lastAccessTime)) }));
    const backlog = res.stats?.approximateBacklogCount !== undefined && res.stats?.approximateBacklogCount !== null ? Number(String(res.stats.approximateBacklogCount)) : undefined;
    const oldestMs = res.stats ? ts(res.stats.approximateBacklogAge) : undefined;
    const stalled: string[] = [];
    if (!pollers.length) stalled.push('no worker polls this task queue');
    if (oldestMs !== undefined && oldestMs > OLDEST_TASK_STALL_MS) stalled.push(`the oldest workflow task has waited ${Math.round(oldestMs / 1000)} s`);
    return { pollers, backlog, oldestMs, stalled };
  } catch (err) {
    return { pollers: [], stalled: ['Temporal did not describe the task queue'], error: (err as Error).message };
  }
}

const num = (n: number | undefined) => (n === undefined ? html`<span class="muted">?</span>` : String(n));

export async function workersSection(src: WorkerHealthSource | undefined, now = new Date()): Promise<Html> {
  if (!src) return html``;
  const [queue, workers] = await Promise.all([readQueue(src), Promise.all(src.opsUrls.map((u) => readWorker(u, now)))]);
  const state = (stalled: string[]) => (stalled.length ? html`<td class="bad">STALLED: ${stalled.join('; ')}</td>` : html`<td class="ok">ok</td>`);
  const queueRow = html`<tr id="worker-queue" data-stalled="${String(queue.stalled.length > 0)}"><td>task queue <code>${src.taskQueue}</code></td>
    <td>${queue.pollers.length} poller(s)${queue.pollers.map((p) => html`<div class="muted">${p.identity} ${when(p.lastAccess, now)}</div>`)}</td>
    <td>${queue.backlog !== undefined ? `${queue.backlog} waiting` : ''}</td>
    <td>${queue.oldestMs !== undefined ? `${(queue.oldestMs / 1000).toFixed(1)} s` : html`<span class="muted">–</span>`}</td><td></td>${state(queue.stalled)}</tr>`;
  const rows = workers.map((w) => html`<tr class="worker" data-stalled="${String(w.stalled.length > 0)}"><td><code>${w.url}</code>${w.error ? html`<div class="muted">${w.error}</div>` : ''}</td>
    <td>${w.polling === undefined ? num(undefined) : w.polling ? 'polling' : 'NOT polling'}</td>
    <td>${num(w.slotsUsed)} used / ${num(w.slotsAvailable)} free</td><td></td>
    <td>${num(w.overDeadline)}${w.lastOverDeadline ? html`, last ${when(w.lastOverDeadline, now)}` : ''}</td>${state(w.stalled)}</tr>`);
  const hint = src.opsUrls.length ? '' : html`<p class="muted">Set HOOKFLOW_WORKER_OPS_URLS (the workers' ops endpoints) to see each worker's slots and stalls.</p>`;
  return html`<section id="workers"><h2>Workers</h2><table><thead><tr><th>Worker</th><th>Polling</th><th>Workflow-task slots</th><th>Oldest task waiting</th><th>Tasks over deadline</th><th>State</th></tr></thead>
    <tbody>${queueRow}${rows}</tbody></table>${hint}</section>`;
}
