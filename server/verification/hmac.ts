// Generic HMAC verification over the raw request bytes: header, algorithm, encoding, prefix,
// optional signed timestamp with a tolerance, several secrets at once (rotation). Timing-safe.
import { createHmac } from 'node:crypto';
import { SignatureError } from '../../lib/errors';
import type { HmacVerification } from '../../definitions/source-types';
import type { Headers } from '../http';
import { activeSecrets, anyMatches, checkTimestamp, decodeSignature, hmac, invalid, requireHeader } from './common';

export function verifyHmac(spec: HmacVerification, headers: Headers, rawBody: Buffer, now: Date): void {
  const header = requireHeader(headers, spec.header);
  let timestamp = '';
  if (spec.timestampHeader) {
    timestamp = requireHeader(headers, spec.timestampHeader);
    checkTimestamp(timestamp, spec.toleranceSeconds, now, spec.timestampHeader);
  }
  if (!header.startsWith(spec.prefix)) throw new SignatureError('signature_invalid', `${spec.header} must start with "${spec.prefix}"`);
  const given = decodeSignature(header.slice(spec.prefix.length).trim(), spec.encoding);
  const signed = signedPayload(spec.signedPayload, timestamp, rawBody);
  if (!anyMatches(activeSecrets(spec.secrets, now), (key) => hmac(spec.algorithm, key, signed), [given])) invalid();
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
