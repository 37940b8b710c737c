// Log context on the worker: activity lines carry the run they belong to, and the Temporal SDK's
// own log (workflow code's log lines included) goes through the same structured logger.
import { asyncLocalStorage } from '@temporalio/activity';
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import { countingOverDeadline } from './stall-signals';

/** pino mixin: inside an activity, the workflow id, run id and activity type of its run. */
export function activityLogFields(): object {
  const info = asyncLocalStorage.getStore()?.info;
  if (!info) return {};
  return { workflowId: info.workflowExecution?.workflowId, runId: info.workflowExecution?.runId, activity: info.activityType };
}

const SDK_LEVEL: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN' };

/**
 * The SDK logger for Runtime.install: workflow code's lines (which carry workflowId and runId)
 * at the configured level; the SDK's own chatter (bundler, worker state) only from warnings up
 * unless debugging.
 */
export function sdkLogger(log: Logger, onOverDeadline: () => void = () => {}): DefaultLogger {
  // Warnings always reach the sink (pino drops what its level does not want): the over-deadline
  // count must not depend on LOG_LEVEL.
  const level = SDK_LEVEL[log.level] ?? 'WARN';
  const chatty = level === 'TRACE' || level === 'DEBUG';
  return new DefaultLogger(level, countingOverDeadline((entry: LogEntry) => {
    if (!log.isLevelEnabled(entry.level.toLowerCase())) return;
    // trace_id: what Temporal's OpenTelemetry interceptors add to workflow lines (tracing on); traceId, as on every other line.
    const { sdkComponent, trace_id: traceId, span_id: _spanId, trace_flags: _flags, ...meta } = (entry.meta ?? {}) as Record<string, unknown>;
    const fromWorkflow = sdkComponent === 'workflow';
    if (!fromWorkflow && !chatty && entry.level !== 'WARN' && entry.level !== 'ERROR') return;
    const method = entry.level === 'TRACE' ? 'trace' : entry.level === 'DEBUG' ? 'debug' : entry.level === 'INFO' ? 'info' : entry.level === 'WARN' ? 'warn' : 'error';
    log[method]({ ...meta, ...(traceId !== undefined && { traceId }), sdk: sdkComponent }, entry.message);
  }, onOverDeadline));
}
