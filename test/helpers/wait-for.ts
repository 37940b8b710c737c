// Polling for eventual states (Temporal's visibility, a timer started, a record written), bounded:
// a wait that never ends fails with what it was waiting for, not with the runner's timeout.

/** Polls until `check` gives a value other than undefined/false; fails after `attempts` polls. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, { attempts = 600, intervalMs = 100 } = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (attempt >= attempts) throw new Error(`gave up waiting for ${what} after ${attempts} polls`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
