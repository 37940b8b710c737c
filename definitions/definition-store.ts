// The definitions in force, reloaded without a restart when files change (fs.watch, debounced)
// or on SIGHUP. A reload that fails validation keeps the previous set and logs every problem.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { DefinitionError } from '../lib/errors';
import { type DefinitionDirs, type Definitions, loadDefinitions } from './definitions';

export interface StoreLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface DefinitionStore {
  /** The set in force now; read it per request. */
  current(): Definitions;
  /** Loads again; returns false (and keeps the previous set) when the files have problems. */
  reload(reason: string): boolean;
  /** Watches folders and reloads after changes settle; returns a function that stops watching. */
  watch(dirs: string[], onReload?: (applied: boolean) => void): () => void;
  /** Calls `listener` after every reload that was applied (file change, SIGHUP or a direct reload). */
  onApplied(listener: () => void): void;
}

const DEBOUNCE_MS = 300;

/** Loads once (throwing DefinitionError so start-up fails with the report), then keeps the set current. */
export function createDefinitionStore(load: () => Definitions, log: StoreLog, debounceMs = DEBOUNCE_MS): DefinitionStore {
  let definitions = load();
  const listeners: (() => void)[] = [];
  const store: DefinitionStore = {
    current: () => definitions,
    reload(reason) {
      try {
        definitions = load();
      } catch (err) {
        if (!(err instanceof DefinitionError)) throw err;
        log.error({ reason, problems: err.problems.length }, `flow reload rejected, the previous definitions stay in force:\n${err.message}`);
        return false;
      }
      log.info({ reason, flows: definitions.flows.map((f) => `${f.name}@${f.version}`) }, 'flows reloaded');
      for (const listener of listeners) listener();
      return true;
    },
    watch(dirs, onReload) {
      let timer: NodeJS.Timeout | undefined;
      const watchers: FSWatcher[] = dirs.filter((d) => existsSync(d)).map((dir) =>
        watch(dir, () => {
          clearTimeout(timer);
          timer = setTimeout(() => onReload?.(store.reload(`files changed in ${dir}`)), debounceMs);
        }),
      );
      return () => {
        clearTimeout(timer);
        for (const w of watchers) w.close();
      };
    },
    onApplied: (listener) => void listeners.push(listener),
  };
  return store;
}

/** The ingress's store: loads the configured folders, watches them, reloads on SIGHUP. */
export function startDefinitionStore(dirs: DefinitionDirs, log: StoreLog): DefinitionStore {
  const store = createDefinitionStore(() => loadDefinitions(dirs), log);
  store.watch([dirs.flowsDir, dirs.sourcesDir, join(dirs.schemasDir, 'events')]);
  process.on('SIGHUP', () => store.reload('SIGHUP'));
  return store;
}
