// Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 of "<t>.<raw body>" with
// the endpoint's whsec_ secret (used as text). Several v1 entries appear while Stripe rolls a secret.
import type { PresetVerification } from '../definitions/source-types';
import type { Headers } from './headers';
import { activeSecrets, anyMatches, checkTimestamp, decodeSignature, hmac, invalid, requireHeader } from './common';
import { SignatureError } from '../lib/errors';

export function verifyStripe(spec: PresetVerification, headers: Headers, rawBody: Buffer, now: Date): void {
  const header = requireHeader(headers, 'stripe-signature');
  let timestamp: string | undefined;
  const v1: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') timestamp = value;
    else if (key === 'v1') v1.push(decodeSignature(value, 'hex'));
  }
  if (timestamp === undefined || !v1.length) throw new SignatureError('signature_invalid', 'Stripe-Signature needs t= and at least one v1=');
  checkTimestamp(timestamp, spec.toleranceSeconds, now, 'Stripe-Signature t');
  if (!anyMatches(activeSecrets(spec.secrets, now), (key) => hmac('sha256', key, `${timestamp}.`, rawBody), v1)) invalid();
}
