// Generic HMAC verification over the raw request bytes: header, algorithm, encoding, prefix,
// optional signed timestamp (its own header, or a key=value part of the signature header) with a
// tolerance, several signatures and several secrets at once (rotation). Timing-safe.
import { createHmac } from 'node:crypto';
import { SignatureError } from '../lib/errors';
import type { HmacVerification, SignatureParts } from '../definitions/source-types';
import type { Headers } from './headers';
import { activeSecrets, anyMatches, checkTimestamp, decodeSignature, hmac, invalid, requireHeader } from './common';

export function verifyHmac(spec: HmacVerification, headers: Headers, rawBody: Buffer, now: Date): void {
  const header = requireHeader(headers, spec.header);
  const { timestamp, signatures } = spec.parts ? fromParts(spec.parts, spec.header, header) : { timestamp: spec.timestampHeader && requireHeader(headers, spec.timestampHeader), signatures: [header] };
  if (timestamp !== undefined) checkTimestamp(timestamp, spec.toleranceSeconds, now, spec.timestampHeader ?? `${spec.header} ${spec.parts!.timestamp}`);
  const given = signatures.map((s) => {
    if (!s.startsWith(spec.prefix)) throw new SignatureError('signature_invalid', `${spec.header} must start with "${spec.prefix}"`);
    return decodeSignature(s.slice(spec.prefix.length).trim(), spec.encoding);
  });
  const signed = signedPayload(spec.signedPayload, timestamp ?? '', rawBody);
  if (!anyMatches(activeSecrets(spec.secrets, now), (key) => hmac(spec.algorithm, key, signed), given)) invalid();
}

/** "ts=1671552777;h1=ab…;h1=cd…": the timestamp part and every signature part. */
function fromParts(parts: SignatureParts, name: string, header: string): { timestamp?: string; signatures: string[] } {
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(parts.separator)) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0) continue;
    if (key === parts.timestamp) timestamp = value;
    else if (key === parts.signature) signatures.push(value);
  }
  if (!signatures.length || (parts.timestamp && timestamp === undefined)) {
    throw new SignatureError('signature_invalid', `${name} needs ${parts.timestamp ? `${parts.timestamp}= and ` : ''}at least one ${parts.signature}=`);
  }
  return { timestamp, signatures };
}

/** The bytes that were signed; the body stays raw bytes (never re-encoded). */
function signedPayload(template: string, timestamp: string, rawBody: Buffer): Buffer {
  const parts = template.split('{body}');
  const fill = (s: string) => Buffer.from(s.replace(/\{timestamp\}/g, timestamp), 'utf8');
  return Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [fill(p)] : [rawBody, fill(p)])));
}

/** Signs like a provider would: the signature header's value (and the timestamp), for tests and the CLI. */
export function signHmac(spec: Pick<HmacVerification, 'algorithm' | 'encoding' | 'prefix' | 'signedPayload' | 'parts'>, secret: Buffer, rawBody: Buffer, timestamp: string): string {
  const signature = spec.prefix + createHmac(spec.algorithm, secret).update(signedPayload(spec.signedPayload, timestamp, rawBody)).digest(spec.encoding);
  if (!spec.parts) return signature;
  const { separator, signature: key, timestamp: tsKey } = spec.parts;
  return [...(tsKey ? [`${tsKey}=${timestamp}`] : []), `${key}=${signature}`].join(separator);
}
