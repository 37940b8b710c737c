// The definitions in force, reloaded without a restart when files change (fs.watch on the
// folders, debounced) or on SIGHUP. A reload that fails validation keeps the previous set and
// logs every problem; the log of an applied reload says what it changed.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import { DefinitionError } from '../lib/errors';
import { type DefinitionDirs, type Definitions, loadDefinitions } from './definitions';
import { type DefinitionChanges, definitionChanges, describeChanges } from './definition-changes';

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
  onApplied(listener: (changes: DefinitionChanges) => void): void;
  /** The last reload tried since start-up, applied or not (the operator console shows it). */
  lastReload(): ReloadReport | undefined;
}

export interface ReloadReport {
  at: Date;
  reason: string;
  applied: boolean;
  /** Applied: what changed; rejected: the first line of the report. */
  summary: string;
  problems: { file: string; line: number; column: number; message: string; hint?: string }[];
}

/** Editors save in several steps (temporary file, rename, chmod); one reload once they settle. */
const DEBOUNCE_MS = 300;
/** Swap and backup files (.swp, ~, vim's 4913) change nothing the loader reads. */
const DEFINITION_FILE = /\.(ya?ml|json)$/;

/** Loads once (throwing DefinitionError so start-up fails with the report), then keeps the set current. */
export function createDefinitionStore(load: () => Definitions, log: StoreLog, debounceMs = DEBOUNCE_MS): DefinitionStore {
  let definitions = load();
  const listeners: ((changes: DefinitionChanges) => void)[] = [];
  let last: ReloadReport | undefined;
  const store: DefinitionStore = {
    current: () => definitions,
    reload(reason) {
      let next: Definitions;
      try {
        next = load();
      } catch (err) {
        if (!(err instanceof DefinitionError)) throw err;
        last = { at: new Date(), reason, applied: false, summary: `${err.problems.length} problem(s); the previous definitions stay in force`, problems: err.problems };
        log.error({ reason, problems: err.problems.length }, `definitions reload rejected, the previous definitions stay in force:\n${err.message}`);
        return false;
      }
      const changes = definitionChanges(definitions, next);
      definitions = next;
      last = { at: new Date(), reason, applied: true, summary: describeChanges(changes), problems: [] };
      log.info({ reason, ...changes, flowVersions: next.flows.map((f) => `${f.name}@${f.version}`) }, `definitions reloaded (${reason}): ${describeChanges(changes)}`);
      for (const listener of listeners) listener(changes);
      return true;
    },
    watch(dirs, onReload) {
      let timer: NodeJS.Timeout | undefined;
      const changed: Set<string> = new Set();
      const settle = () => {
        const reason = `files changed: ${[...changed].join(', ')}`;
        changed.clear();
        // Reload first: `onReload?.(store.reload(...))` would skip the reload without a listener.
        const applied = store.reload(reason);
        onReload?.(applied);
      };
      // A folder watch sees new files, deletions and rename-over-write; a watch on a file would
      // lose the file an editor replaces.
      const watchers: FSWatcher[] = dirs.filter((d) => existsSync(d)).map((dir) => {
        // schemas/events holds a folder per source, with a folder per versioned type (definitions/event-catalog.ts).
        const watcher = watch(dir, { recursive: basename(dir) === 'events' }, (_event, file) => {
          if (file && !DEFINITION_FILE.test(file)) return;
          changed.add(file ? join(dir, file) : dir);
          clearTimeout(timer);
          timer = setTimeout(settle, debounceMs);
        });
        watcher.on('error', (err) => log.error({ dir, err: String(err) }, `stopped watching ${dir}; send SIGHUP to reload`));
        return watcher;
      });
      return () => {
        clearTimeout(timer);
        for (const w of watchers) w.close();
      };
    },
    onApplied: (listener) => void listeners.push(listener),
    lastReload: () => last,
  };
  return store;
}

/** The folders a running ingress watches: flows, sources, and the event schemas. */
export function watchedFolders(dirs: DefinitionDirs): string[] {
  return [dirs.flowsDir, dirs.sourcesDir, join(dirs.schemasDir, 'events')];
}

/** The ingress's store: loads the configured folders, watches them, reloads on SIGHUP. */
export function startDefinitionStore(dirs: DefinitionDirs, log: StoreLog): DefinitionStore {
  const store = createDefinitionStore(() => loadDefinitions(dirs), log);
  store.watch(watchedFolders(dirs));
  process.on('SIGHUP', () => store.reload('SIGHUP'));
  return store;
}
