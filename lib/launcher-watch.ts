// A process started by `npm start` gets an IPC channel from its launcher. When the launcher goes
// (Ctrl-C, SIGTERM, or kill -9 that leaves it no time to stop anyone), the channel closes: the
// process then stops exactly as on SIGTERM, so it never outlives the stack it belongs to.
/**
 * Temporal and FerretDB go with the launcher too, so a drain may wait on servers that are gone
 * (the worker's SDK retries its pollers): past this, the process exits without finishing it.
 */
const ORPHAN_DRAIN_MS = 8000;

/** `log` goes silent first: stdout went with the launcher, and pino retries a write to a dead pipe forever. */
export function stopWhenLauncherGoes(log: { level: string }): void {
  if (!process.send) return; // started by hand or by a supervisor: nothing to watch
  process.once('disconnect', () => {
    log.level = 'silent';
    setTimeout(() => process.exit(1), ORPHAN_DRAIN_MS).unref();
    process.kill(process.pid, 'SIGTERM');
  });
  process.channel?.unref(); // the watch must not keep a stopped process alive
}
