// Shopify: `X-Shopify-Hmac-Sha256: <base64>`, HMAC-SHA256 of the raw body with the app's client
// secret. No timestamp is signed; X-Shopify-Webhook-Id identifies retries of one webhook.
import type { PresetVerification } from '../definitions/source-types';
import type { Headers } from './headers';
import { activeSecrets, anyMatches, decodeSignature, hmac, invalid, requireHeader } from './common';

export function verifyShopify(spec: PresetVerification, headers: Headers, rawBody: Buffer, now: Date): void {
  const given = decodeSignature(requireHeader(headers, 'x-shopify-hmac-sha256'), 'base64');
  if (!anyMatches(activeSecrets(spec.secrets, now), (key) => hmac('sha256', key, rawBody), [given])) invalid();
}
