// Test stacks encrypt payloads (TEST_PAYLOAD_KEYS); tests that look into a fetched history read it
// through this, which opens every encrypted payload in place (the key is the test process's own).
import { ENCRYPTED_ENCODING, PayloadCipher, parsePayloadKeys } from '../../lib/payload-codec';
import { TEST_PAYLOAD_KEYS } from './stack';

let cipher: PayloadCipher | undefined;

const isEncrypted = (v: object): boolean => {
  const encoding = (v as { metadata?: Record<string, Uint8Array | null | undefined> }).metadata?.encoding;
  return !!encoding && Buffer.from(encoding).toString() === ENCRYPTED_ENCODING;
};

/** A copy of `value` (a history, an event, payloads) with each encrypted payload replaced by the payload inside. */
export function plainHistory<T>(value: T): T {
  cipher ??= new PayloadCipher(parsePayloadKeys(TEST_PAYLOAD_KEYS));
  const open = (v: unknown): unknown => {
    if (v instanceof Uint8Array || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(open);
    if (isEncrypted(v)) {
      const opened = cipher!.open(v as never);
      if (!('payload' in opened)) throw new Error(`a payload of the history does not open with the test key: ${opened.refused}`);
      return opened.payload;
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, open(x)]));
  };
  return open(value) as T;
}
