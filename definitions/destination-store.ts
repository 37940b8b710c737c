// The destinations in force, reloaded without a restart like flows (definition-store.ts): a
// folder watch, debounced, or a direct reload; a reload with problems keeps the previous set.
import { existsSync, watch } from 'node:fs';
import { DefinitionError } from '../lib/errors';
import type { SecretEnv } from './source-secrets';
import { type DestinationDefinition, loadDestinations } from './destinations';
import type { StoreLog } from './definition-store';

export interface DestinationStore {
  current(): DestinationDefinition[];
  get(name: string): DestinationDefinition | undefined;
  reload(reason: string): boolean;
  /** Watches the folder; returns a function that stops watching. */
  watch(): () => void;
}

/** Throws DefinitionError when the files have problems at start-up. */
export function createDestinationStore(dir: string, log: StoreLog, env: SecretEnv = process.env, debounceMs = 300): DestinationStore {
  const load = () => {
    const { destinations, problems } = loadDestinations(dir, env);
    if (problems.length) throw new DefinitionError(problems);
    return destinations;
  };
  let destinations = load();
  const store: DestinationStore = {
    current: () => destinations,
    get: (name) => destinations.find((d) => d.name === name),
    reload(reason) {
      try {
        destinations = load();
      } catch (err) {
        if (!(err instanceof DefinitionError)) throw err;
        log.error({ reason, problems: err.problems.length }, `destinations reload rejected, the previous destinations stay in force:\n${err.message}`);
        return false;
      }
      log.info({ reason, destinations: destinations.map((d) => d.name) }, `destinations reloaded (${reason})`);
      return true;
    },
    watch() {
      if (!existsSync(dir)) return () => {};
      let timer: NodeJS.Timeout | undefined;
      const watcher = watch(dir, (_event, file) => {
        if (file && !/\.ya?ml$/.test(file)) return;
        clearTimeout(timer);
        timer = setTimeout(() => store.reload(`files changed: ${file ?? dir}`), debounceMs);
      });
      watcher.on('error', (err) => log.error({ dir, err: String(err) }, `stopped watching ${dir}`));
      return () => { clearTimeout(timer); watcher.close(); };
    },
  };
  return store;
}
