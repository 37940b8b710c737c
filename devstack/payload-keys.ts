// The payload key of `npm start` when HOOKFLOW_PAYLOAD_KEYS is not set: generated once and kept in
// the data folder (owner-only), so runs recorded by one start stay readable by the next. A
// development key only: production sets its own (lib/config.ts refuses to start without).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePayloadKeys, parsePayloadKeys } from '../lib/payload-codec';

export const DEV_PAYLOAD_KEYS_FILE = 'payload-keys';

export function devPayloadKeys(dataDir: string): string {
  const file = join(dataDir, DEV_PAYLOAD_KEYS_FILE);
  if (existsSync(file)) {
    const keys = readFileSync(file, 'utf8').trim();
    parsePayloadKeys(keys, file); // a damaged file stops the start with its name
    return keys;
  }
  mkdirSync(dataDir, { recursive: true });
  const keys = generatePayloadKeys('dev');
  writeFileSync(file, `${keys}\n`, { mode: 0o600 });
  return keys;
}
