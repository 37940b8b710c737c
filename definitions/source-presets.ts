// What each verification preset implies beyond the signature: where its provider puts the event
// id and type, and how its secrets are encoded.
import type { FieldSource, Handshake, VerificationScheme } from './source-types';

export const PRESET_EVENT_FIELDS: Record<VerificationScheme, { id: FieldSource; type: FieldSource }> = {
  // Stripe events are JSON objects with "id" (evt_…) and "type" (payment_intent.succeeded).
  stripe: { id: { path: 'id' }, type: { path: 'type' } },
  // GitHub: a delivery GUID per delivery (kept on redelivery), event name + the payload's action.
  github: { id: { header: 'x-github-delivery' }, type: { header: 'x-github-event', appendPath: 'action' } },
  // Shopify: the webhook id is the same on every retry of one webhook; the topic is e.g. orders/create.
  shopify: { id: { header: 'x-shopify-webhook-id' }, type: { header: 'x-shopify-topic', slashesToDots: true } },
  // Standard Webhooks: webhook-id is the idempotency key; payloads carry "type".
  'standard-webhooks': { id: { header: 'webhook-id' }, type: { path: 'type' } },
  hmac: { id: { path: 'id' }, type: { path: 'type' } },
};

/** The handshakes a preset answers unless its source file lists its own. */
export const PRESET_HANDSHAKES: Partial<Record<VerificationScheme, Handshake[]>> = {};

/** Turns a secret's text into the HMAC key bytes; throws with a hint when the text cannot be one. */
export function secretKey(scheme: VerificationScheme, text: string): Buffer {
  if (scheme !== 'standard-webhooks') return Buffer.from(text, 'utf8');
  // whsec_<base64>: the key is the decoded bytes (as the standardwebhooks library does).
  const b64 = text.startsWith('whsec_') ? text.slice('whsec_'.length) : text;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) throw new Error('a standard-webhooks secret must be whsec_ followed by base64');
  return Buffer.from(b64, 'base64');
}
