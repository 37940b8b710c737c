// Standard Webhooks (https://www.standardwebhooks.com, Svix and others): webhook-id,
// webhook-timestamp, webhook-signature "v1,<base64> v1,<base64>…"; HMAC-SHA256 of
// "<id>.<timestamp>.<raw body>" keyed by the base64-decoded whsec_ secret. Svix's svix-* names work too.
import type { PresetVerification } from '../definitions/source-types';
import { type Headers, headerValue } from './headers';
import { activeSecrets, anyMatches, checkTimestamp, decodeSignature, hmac, invalid, requireHeader } from './common';

/** webhook-* headers, or the svix-* names Svix sends when the webhook-* ones are absent. */
export function standardHeader(headers: Headers, name: 'id' | 'timestamp' | 'signature'): string {
  return headerValue(headers, `webhook-${name}`) !== undefined || headerValue(headers, `svix-${name}`) === undefined
    ? requireHeader(headers, `webhook-${name}`)
    : requireHeader(headers, `svix-${name}`);
}

export function verifyStandardWebhooks(spec: PresetVerification, headers: Headers, rawBody: Buffer, now: Date): void {
  const id = standardHeader(headers, 'id');
  const timestamp = standardHeader(headers, 'timestamp');
  const signatures = standardHeader(headers, 'signature');
  checkTimestamp(timestamp, spec.toleranceSeconds, now, 'webhook-timestamp');
  const v1 = signatures.split(' ').filter((s) => s.startsWith('v1,')).map((s) => decodeSignature(s.slice(3), 'base64'));
  if (!anyMatches(activeSecrets(spec.secrets, now), (key) => hmac('sha256', key, `${id}.${timestamp}.`, rawBody), v1)) invalid();
}
