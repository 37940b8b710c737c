// Generic HMAC verification over the raw request bytes: header, algorithm, encoding, prefix,
// optional signed timestamp with a tolerance, several secrets at once (rotation). Timing-safe.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureError } from '../../lib/errors';
import type { HmacVerification } from '../../lib/loader/sources';
import { type Headers, headerValue } from '../http';

export function verifyHmac(spec: HmacVerification, headers: Headers, rawBody: Buffer, now: Date): void {
  const header = headerValue(headers, spec.header);
  if (!header) throw new SignatureError('signature_missing', `missing ${spec.header} header`);
  let timestamp = '';
  if (spec.timestampHeader) {
    timestamp = headerValue(headers, spec.timestampHeader) ?? '';
    if (!timestamp) throw new SignatureError('signature_missing', `missing ${spec.timestampHeader} header`);
    const seconds = Number(timestamp);
    if (!/^\d{1,12}$/.test(timestamp)) throw new SignatureError('signature_invalid', `${spec.timestampHeader} must be unix seconds`);
    if (Math.abs(now.getTime() / 1000 - seconds) > spec.toleranceSeconds) {
      throw new SignatureError('signature_stale', `timestamp is more than ${spec.toleranceSeconds} s away from now`);
    }
  }
  if (!header.startsWith(spec.prefix)) throw new SignatureError('signature_invalid', `${spec.header} must start with "${spec.prefix}"`);
  const given = Buffer.from(header.slice(spec.prefix.length).trim(), spec.encoding);
  const signed = signedPayload(spec.signedPayload, timestamp, rawBody);
  const matches = spec.secrets.some((secret) => {
    const expected = createHmac(spec.algorithm, secret).update(signed).digest();
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!matches) throw new SignatureError('signature_invalid', 'signature does not match the body');
}

/** The bytes that were signed; the body stays raw bytes (never re-encoded). */
function signedPayload(template: string, timestamp: string, rawBody: Buffer): Buffer {
  const parts = template.split('{body}');
  const fill = (s: string) => Buffer.from(s.replace(/\{timestamp\}/g, timestamp), 'utf8');
  return Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [fill(p)] : [rawBody, fill(p)])));
}

/** Signs like a provider would: for tests, the CLI and the README's example. */
export function signHmac(spec: Pick<HmacVerification, 'algorithm' | 'encoding' | 'prefix' | 'signedPayload'>, secret: Buffer, rawBody: Buffer, timestamp: string): string {
  return spec.prefix + createHmac(spec.algorithm, secret).update(signedPayload(spec.signedPayload, timestamp, rawBody)).digest(spec.encoding);
}
