// Comparing a token someone sent with the configured one without telling, by timing, how much of
// it was right: both are hashed to one length first, then compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}
