// The shipped flows with their real durations (30m waits, 5m backoffs) shortened to seconds, so
// tests run the shipped logic without slow sleeps: a temporary copy of flows/ with edits.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { ROOT } from './paths';

/** file name → [path in the YAML document, new value] */
export type FlowEdits = Record<string, [(string | number)[], unknown][]>;

export const SHORT_CALLBACK_DURATIONS: FlowEdits = {
  'payment-created.yaml': [
    [['steps', 1, 'wait', 'timeout'], '2s'],
    [['steps', 1, 'onTimeout', 'steps', 0, 'retry'], { maximumAttempts: 2, initialInterval: '200ms', nonRetryableErrorTypes: ['HttpClientError'] }],
    [['steps', 1, 'onTimeout', 'retry'], { maximumAttempts: 4, initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '2s' }],
  ],
};

export function shortenedFlows(edits: FlowEdits = SHORT_CALLBACK_DURATIONS): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-flows-'));
  cpSync(join(ROOT, 'flows'), dir, { recursive: true });
  for (const [file, changes] of Object.entries(edits)) {
    const doc = parseDocument(readFileSync(join(dir, file), 'utf8'));
    for (const [path, value] of changes) {
      if (!doc.hasIn(path.slice(0, -1))) throw new Error(`${file}: nothing at ${path.slice(0, -1).join('.')}: the shipped flow changed shape`);
      doc.setIn(path, value);
    }
    writeFileSync(join(dir, file), doc.toString());
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
