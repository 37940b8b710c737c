// FerretDB 1.x applies `update` and `findAndModify` as read-modify-write without a lock or a
// transaction: 20 concurrent `$inc`s on one document keep only one (measured here). Real MongoDB
// applies each update atomically, and hookflow's effects rely on it (stock decrements, the
// idempotency key written with the change). The build therefore adds one process-wide lock
// around those two operations. SQLite already serialises writers, so little is lost.
// Second, its SQLite backend narrows a query by `_id` only when the filter is `_id` alone; any
// other filter reads and decodes every document of the collection. hookflow's writes are
// `{_id, <idempotency guard>}` and the relay's claims `{_id, state, attempts}`, so each one cost
// a full scan (ever slower as orders pile up). The patch narrows by `_id` whenever the filter has a
// plain `_id` value: top-level keys are ANDed, and the handler still applies the whole filter.
// Third, even that narrowing scanned the table: the lookups say `_ferretdb_sjson->'$._id'` while
// the unique index is on `_ferretdb_sjson->"_id"`, and SQLite uses an index on an expression only
// for the same expression (EXPLAIN QUERY PLAN: SCAN). `->'_id'` means the same and uses it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Part of the cache key: bump it when the patch changes so cached binaries are rebuilt. */
export const FERRETDB_PATCH_TAG = 'hookflow.3';

const LOCK_FILE = `// Added by hookflow's build (devstack/ferretdb-patch.ts): updates are read-modify-write in
// FerretDB 1.x, so concurrent updates to one document lose writes without this lock.
package handler

import "sync"

var hookflowWriteLock sync.Mutex
`;

const LOCKED_FUNCTIONS: Array<{ file: string; signature: string }> = [
  { file: 'msg_update.go', signature: 'func (h *Handler) updateDocument(ctx context.Context, params *common.UpdateParams) (int32, int32, *types.Array, error) {' },
  { file: 'msg_findandmodify.go', signature: 'func (h *Handler) findAndModifyDocument(ctx context.Context, params *common.FindAndModifyParams) (*findAndModifyResult, error) {' },
];

const ID_PUSHDOWN = {
  file: join('internal', 'backends', 'sqlite', 'collection.go'),
  from: '\tif params.Filter.Len() == 1 {\n\t\tv, _ := params.Filter.Get("_id")',
  to: '\tif params.Filter.Len() >= 1 { // hookflow: a plain _id narrows any filter\n\t\tv, _ := params.Filter.Get("_id")',
  /** Query and Explain. */
  occurrences: 2,
};

const ID_INDEXED = {
  file: join('internal', 'backends', 'sqlite', 'metadata', 'metadata.go'),
  from: `IDColumn = DefaultColumn + "->'$._id'"`,
  to: `IDColumn = DefaultColumn + "->'_id'" // hookflow: the expression of the _id index`,
  occurrences: 1,
};

/** Replaces `from` by `to` in one file, failing loudly when the source does not read as expected. */
function replaceIn(srcDir: string, edit: { file: string; from: string; to: string; occurrences: number }): void {
  const path = join(srcDir, edit.file);
  const parts = readFileSync(path, 'utf8').split(edit.from);
  if (parts.length - 1 !== edit.occurrences) throw new Error(`FerretDB patch: ${edit.file} has "${edit.from}" ${parts.length - 1} times, expected ${edit.occurrences}`);
  writeFileSync(path, parts.join(edit.to));
}

/** Applies the patch to a writable copy of the FerretDB module; fails loudly if the source moved. */
export function patchFerretDbSource(srcDir: string): void {
  replaceIn(srcDir, ID_PUSHDOWN);
  replaceIn(srcDir, ID_INDEXED);

  const handlerDir = join(srcDir, 'internal', 'handler');
  writeFileSync(join(handlerDir, 'hookflow_write_lock.go'), LOCK_FILE);
  for (const { file, signature } of LOCKED_FUNCTIONS) {
    const path = join(handlerDir, file);
    const source = readFileSync(path, 'utf8');
    if (!source.includes(signature)) throw new Error(`FerretDB patch: ${file} no longer has "${signature}"`);
    writeFileSync(path, source.replace(signature, `${signature}\n\thookflowWriteLock.Lock()\n\tdefer hookflowWriteLock.Unlock()\n`));
  }
}
