// The worker's scheduled cleanup of hookflow_effects (the record of applied effects, one per step
// and event): records older than the retention period go, as delivery records do on the ingress.
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { purgeEffectRecords } from '../activities/effect-record';

export interface EffectPurgeOptions {
  db: Db;
  log: Logger;
  retentionDays: number;
  everyMs: number;
  now?: () => Date;
}

/** Purges once now and then every `everyMs`; returns the function that stops it. */
export function startEffectPurge(opts: EffectPurgeOptions): () => void {
  const now = opts.now ?? (() => new Date());
  const purge = async () => {
    try {
      const purged = await purgeEffectRecords(opts, new Date(now().getTime() - opts.retentionDays * 24 * 3600 * 1000));
      if (purged) opts.log.info({ purged }, 'purged expired effect records');
    } catch (err) {
      opts.log.warn({ err }, 'effect record purge failed; next try at the next interval');
    }
  };
  void purge();
  const timer = setInterval(purge, opts.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
