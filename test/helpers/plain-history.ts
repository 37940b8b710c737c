// Test stacks encrypt payloads (TEST_PAYLOAD_KEYS); tests that look into a fetched history read it
// through this, which opens every encrypted payload in place (the key is the test process's own).
import { ENCRYPTED_ENCODING, PayloadCipher, parsePayloadKeys } from '../../lib/payload-codec';
import { TEST_PAYLOAD_KEYS } from './stack';

let cipher: PayloadCipher | undefined;

const isEncrypted = (v: object): boolean => {
  const encoding = (v as { metadata?: Record<string, Uint8Array | null | undefined> }).metadata?.encoding;
  return !!encoding && Buffer.from(encoding).toString() === ENCRYPTED_ENCODING;
};

/** `value` (a fetched history, an event, payloads) with each encrypted payload replaced, in place, by the payload inside. */
export function plainHistory<T>(value: T): T {
  cipher ??= new PayloadCipher(parsePayloadKeys(TEST_PAYLOAD_KEYS));
  const opened = (p: object): object => {
    const result = cipher!.open(p as never);
    if (!('payload' in result)) throw new Error(`a payload of the history does not open with the test key: ${result.refused}`);
    return result.payload;
  };
  // In place: the protobuf classes (Long durations, message instances) keep their prototypes.
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return;
    for (const [k, x] of Object.entries(v)) {
      if (x !== null && typeof x === 'object' && !(x instanceof Uint8Array) && isEncrypted(x)) (v as Record<string, unknown>)[k] = opened(x);
      else walk(x);
    }
  };
  if (value !== null && typeof value === 'object' && isEncrypted(value)) return opened(value) as T;
  walk(value);
  return value;
}
