// Providers whose signature covers the URL they post to, as registered with them (publicUrl): a
// proxy in front of the ingress changes the host and scheme the ingress sees, never what was signed.
//  - Twilio: X-Twilio-Signature, base64 HMAC-SHA1 of the URL followed by the POST parameters sorted
//    by name (name + value each); a JSON body instead carries its hex SHA-256 as ?bodySHA256=.
//  - Square: x-square-hmacsha256-signature, base64 HMAC-SHA256 of the notification URL + raw body.
import { createHash } from 'node:crypto';
import { SignatureError } from '../lib/errors';
import type { PresetVerification } from '../definitions/source-types';
import { type Headers, headerValue } from './headers';
import { formFields } from './form-body';
import { activeSecrets, anyMatches, decodeSignature, hmac, invalid, requireHeader, safeEqual } from './common';

/** The registered URL, with the query string the request arrived with (Twilio adds bodySHA256 there). */
export function signedUrl(publicUrl: string, requestUrl: string): string {
  const q = requestUrl.indexOf('?');
  return q < 0 ? publicUrl : publicUrl + requestUrl.slice(q);
}

export const isForm = (headers: Headers) => /^application\/x-www-form-urlencoded\b/i.test(headerValue(headers, 'content-type') ?? '');

/** Twilio's string to sign: the URL, then each parameter name and value, sorted by name. */
export function twilioPayload(url: string, rawBody: Buffer | undefined): string {
  if (!rawBody) return url;
  const params = new Map<string, Set<string>>();
  // Read as the body a flow gets is read (./form-body.ts), which refuses what this reading lets pass.
  for (const [k, v] of formFields(rawBody, 'lenient')) params.set(k, (params.get(k) ?? new Set()).add(v));
  return [...params.keys()].sort().reduce((acc, k) => acc + [...params.get(k)!].sort().map((v) => k + v).join(''), url);
}

export function verifyTwilio(spec: PresetVerification, headers: Headers, rawBody: Buffer, now: Date, requestUrl: string): void {
  const given = decodeSignature(requireHeader(headers, 'x-twilio-signature'), 'base64');
  const url = signedUrl(spec.publicUrl!, requestUrl);
  if (!isForm(headers)) {
    const bodyHash = new URL(url).searchParams.get('bodySHA256');
    if (!bodyHash) throw new SignatureError('signature_invalid', 'a JSON body from Twilio carries its SHA-256 in the bodySHA256 query parameter');
    if (!safeEqual(createHash('sha256').update(rawBody).digest(), decodeSignature(bodyHash, 'hex'))) invalid();
  }
  const payload = twilioPayload(url, isForm(headers) ? rawBody : undefined);
  if (!anyMatches(activeSecrets(spec.secrets, now), (key) => hmac('sha1', key, payload), [given])) invalid();
}

export function verifySquare(spec: PresetVerification, headers: Headers, rawBody: Buffer, now: Date, requestUrl: string): void {
  const given = decodeSignature(requireHeader(headers, 'x-square-hmacsha256-signature'), 'base64');
  const url = signedUrl(spec.publicUrl!, requestUrl);
  if (!anyMatches(activeSecrets(spec.secrets, now), (key) => hmac('sha256', key, url, rawBody), [given])) invalid();
}
