// Keeps Temporal Schedules matching the scheduled flows: creates the missing, updates those whose
// flow (or task queue) changed, deletes those whose flow is gone. Only schedules hookflow owns are
// touched: ids start with "hookflow:" and the memo names this task queue.
//
// Who runs it: every ingress process, at start-up and after every applied reload. Replicas are
// safe together: create is idempotent by id (a replica that loses the race updates instead), and
// update is last-writer-wins with identical content when the replicas read the same files.
// A failure (Temporal down) is logged and the whole pass retried with backoff; schedules that
// exist stay as they are meanwhile, so nothing runs on a half-applied state.
import { type Client, ScheduleAlreadyRunning, type ScheduleDescription, ScheduleNotFoundError } from '@temporalio/client';
import type { Logger } from 'pino';
import { SCHEDULE_ID_PREFIX, isScheduledFlow, scheduleIdOf } from '../../engine/schedule';
import type { FlowDefinition } from '../../engine/types';
import { fingerprintOf, isOwnedBy, recordedFingerprint, scheduleOptionsFor } from './options';

export interface SyncReport {
  created: string[];
  updated: string[];
  deleted: string[];
  unchanged: string[];
  failed: { scheduleId: string; error: string }[];
}

export interface ScheduleSyncOptions {
  client: Client;
  taskQueue: string;
  log: Pick<Logger, 'info' | 'warn'>;
  /** Bounds each call to Temporal, so a pass never hangs on a server that does not answer. */
  callTimeoutMs?: number;
}

/** One pass over the schedules; never throws: what failed is in the report. */
export function createScheduleSync({ client, taskQueue, log, callTimeoutMs = 10_000 }: ScheduleSyncOptions) {
  /** Schedules this process created or updated: deleted by id when their flow goes, even before listing shows them. */
  const known = new Set<string>();
  const call = <T>(fn: () => Promise<T>) => client.connection.withDeadline(Date.now() + callTimeoutMs, fn);

  async function upsert(flow: FlowDefinition): Promise<'created' | 'updated' | 'unchanged'> {
    const options = scheduleOptionsFor(flow, taskQueue);
    const handle = client.schedule.getHandle(options.scheduleId);
    let current = await describe(options.scheduleId);
    if (!current) {
      try {
        await call(() => client.schedule.create(options));
        return 'created';
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
        current = await describe(options.scheduleId); // another replica created it meanwhile
      }
    }
    if (!current) throw new Error('schedule vanished while being created');
    if (!isOwnedBy(current.memo, taskQueue)) throw new Error(`a schedule with id ${options.scheduleId} exists that hookflow (task queue ${taskQueue}) does not own; delete it or rename the flow`);
    if (recordedFingerprint(current.action.memo) === fingerprintOf(flow, taskQueue)) return 'unchanged';
    const { spec, action, policies } = options;
    // A pause set by an operator (in the UI) survives the update.
    await call(() => handle.update((previous) => ({ spec, action, policies, state: { paused: previous.state.paused, note: previous.state.note } })));
    return 'updated';
  }

  async function describe(scheduleId: string): Promise<ScheduleDescription | undefined> {
    try {
      return await call(() => client.schedule.getHandle(scheduleId).describe());
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
  }

  /** Listing is eventually consistent: it finds what other processes (or earlier runs) created. */
  async function listOwned(): Promise<string[]> {
    return call(async () => {
      const ids: string[] = [];
      for await (const s of client.schedule.list()) if (s.scheduleId.startsWith(SCHEDULE_ID_PREFIX) && isOwnedBy(s.memo, taskQueue)) ids.push(s.scheduleId);
      return ids;
    });
  }

  async function remove(scheduleId: string): Promise<boolean> {
    const current = await describe(scheduleId);
    if (!current) return false;
    if (!isOwnedBy(current.memo, taskQueue)) return false;
    try {
      await call(() => client.schedule.getHandle(scheduleId).delete());
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return false;
      throw err;
    }
    return true;
  }

  return async function sync(flows: FlowDefinition[]): Promise<SyncReport> {
    const report: SyncReport = { created: [], updated: [], deleted: [], unchanged: [], failed: [] };
    const failed = (scheduleId: string, err: unknown) => report.failed.push({ scheduleId, error: describeError(err) });
    const wanted = new Map(flows.filter(isScheduledFlow).map((f) => [scheduleIdOf(f.name), f]));
    for (const [scheduleId, flow] of wanted) {
      try {
        const outcome = await upsert(flow);
        report[outcome].push(scheduleId);
        known.add(scheduleId);
        if (outcome !== 'unchanged') log.info({ scheduleId, flow: flow.name, version: flow.version, outcome }, `schedule ${outcome}`);
      } catch (err) {
        failed(scheduleId, err);
      }
    }
    const owned = new Set(known);
    try {
      for (const id of await listOwned()) owned.add(id);
    } catch (err) {
      failed('(list schedules)', err);
    }
    for (const scheduleId of owned) {
      if (wanted.has(scheduleId)) continue;
      try {
        if (await remove(scheduleId)) {
          report.deleted.push(scheduleId);
          log.info({ scheduleId }, 'schedule deleted: its flow is gone or no longer scheduled');
        }
        known.delete(scheduleId);
      } catch (err) {
        failed(scheduleId, err);
      }
    }
    return report;
  };
}

export interface ScheduleSyncLoop {
  /** Syncs now (or right after the pass under way); resolves once a pass with the latest flows is done. */
  request(reason: string): Promise<SyncReport>;
  stop(): Promise<void>;
}

/** Runs passes one at a time; a pass with failures is retried with backoff until one succeeds or a newer request comes. */
export function startScheduleSync(options: ScheduleSyncOptions & { flows: () => FlowDefinition[]; retryMs?: { initial: number; max: number } }): ScheduleSyncLoop {
  const sync = createScheduleSync(options);
  const retry = options.retryMs ?? { initial: 1000, max: 60_000 };
  let running: Promise<SyncReport> | undefined;
  /** The flows the pass under way syncs; a request with the same set needs no second pass. */
  let inUse: FlowDefinition[] | undefined;
  let again = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const loop: ScheduleSyncLoop = {
    request(reason) {
      clearTimeout(timer);
      if (running) {
        if (options.flows() !== inUse) again = true;
        return running;
      }
      running = (async () => {
        let report: SyncReport;
        do {
          again = false;
          inUse = options.flows();
          report = await sync(inUse);
        } while (again && !stopped);
        running = undefined;
        if (report.failed.length && !stopped) {
          const delay = Math.min(retry.max, retry.initial * 2 ** failures++);
          options.log.warn({ reason, failed: report.failed, retryInMs: delay }, 'schedule sync incomplete; existing schedules stay as they are until it succeeds');
          timer = setTimeout(() => void loop.request('retry'), delay);
          timer.unref();
        } else if (!report.failed.length) {
          failures = 0;
          const { created, updated, deleted, unchanged } = report;
          options.log.info({ reason, created: created.length, updated: updated.length, deleted: deleted.length, unchanged: unchanged.length }, 'schedules in sync');
        }
        return report;
      })();
      return running;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
  void loop.request('start-up');
  return loop;
}

function describeError(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  return [e?.message ?? String(err), e?.cause?.message].filter(Boolean).join(': ');
}
