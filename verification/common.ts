// Pieces every verification preset shares: active secrets (rotation with expiry), timing-safe
// comparison, timestamp tolerance, required headers. Messages never contain secrets or signatures.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureError } from '../lib/errors';
import type { Secret } from '../definitions/source-types';
import { type Headers, headerValue } from './headers';

/** Header names are lowercased by node; the longest header any provider sends is far below this. */
const MAX_SIGNATURE_HEADER = 4096;

export function requireHeader(headers: Headers, name: string): string {
  const value = headerValue(headers, name)?.trim();
  if (!value) throw new SignatureError('signature_missing', `missing ${name} header`);
  if (value.length > MAX_SIGNATURE_HEADER) throw new SignatureError('signature_invalid', `${name} header is too long`);
  return value;
}

/** The secrets that may sign at `now`; an expired secret is no longer accepted. */
export function activeSecrets(secrets: Secret[], now: Date): Buffer[] {
  const active = secrets.filter((s) => !s.expiresAt || s.expiresAt.getTime() > now.getTime()).map((s) => s.value);
  if (!active.length) throw new SignatureError('signature_invalid', 'every secret configured for this source has expired');
  return active;
}

/** Unix seconds as sent by the provider, within `toleranceSeconds` of now in either direction. */
export function checkTimestamp(text: string, toleranceSeconds: number, now: Date, what: string): void {
  if (!/^\d{1,12}$/.test(text)) throw new SignatureError('signature_invalid', `${what} must be unix seconds`);
  if (Math.abs(now.getTime() / 1000 - Number(text)) > toleranceSeconds) {
    throw new SignatureError('signature_stale', `timestamp is more than ${toleranceSeconds} s away from now`);
  }
}

export function hmac(algorithm: string, key: Buffer, ...parts: (Buffer | string)[]): Buffer {
  const h = createHmac(algorithm, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Timing-safe: equal length first (lengths are public), then a constant-time compare. */
export function safeEqual(expected: Buffer, given: Buffer): boolean {
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** True when any active secret's MAC equals any of the given signatures. */
export function anyMatches(keys: Buffer[], mac: (key: Buffer) => Buffer, given: Buffer[]): boolean {
  let matched = false;
  for (const key of keys) {
    const expected = mac(key);
    for (const g of given) matched = safeEqual(expected, g) || matched; // no early exit
  }
  return matched;
}

/** Decodes hex or base64 strictly: anything else yields an empty buffer, which never matches. */
export function decodeSignature(text: string, encoding: 'hex' | 'base64'): Buffer {
  const ok = encoding === 'hex' ? /^(?:[0-9a-fA-F]{2})+$/.test(text) : /^[A-Za-z0-9+/]+={0,2}$/.test(text);
  return ok ? Buffer.from(text, encoding) : Buffer.alloc(0);
}

export function invalid(): never {
  throw new SignatureError('signature_invalid', 'signature does not match the body');
}
