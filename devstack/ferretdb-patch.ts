// FerretDB 1.x applies `update` and `findAndModify` as read-modify-write without a lock or a
// transaction: 20 concurrent `$inc`s on one document keep only one (measured here). Real MongoDB
// applies each update atomically, and hookflow's effects rely on it (stock decrements, the
// idempotency key written with the change). The build therefore adds one process-wide lock
// around those two operations. SQLite already serialises writers, so little is lost.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Part of the cache key: bump it when the patch changes so cached binaries are rebuilt. */
export const FERRETDB_PATCH_TAG = 'hookflow.1';

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

/** Applies the patch to a writable copy of the FerretDB module; fails loudly if the source moved. */
export function patchFerretDbSource(srcDir: string): void {
  const handlerDir = join(srcDir, 'internal', 'handler');
  writeFileSync(join(handlerDir, 'hookflow_write_lock.go'), LOCK_FILE);
  for (const { file, signature } of LOCKED_FUNCTIONS) {
    const path = join(handlerDir, file);
    const source = readFileSync(path, 'utf8');
    if (!source.includes(signature)) throw new Error(`FerretDB patch: ${file} no longer has "${signature}"`);
    writeFileSync(path, source.replace(signature, `${signature}\n\thookflowWriteLock.Lock()\n\tdefer hookflowWriteLock.Unlock()\n`));
  }
}
