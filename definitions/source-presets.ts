// What each verification preset implies beyond the signature: where its provider puts the event
// id and type, its handshakes, how its body is read, and how its secrets are encoded.
import { createPublicKey } from 'node:crypto';
import type { BodyFormat, FieldSource, Handshake, HmacVerification, VerificationScheme } from './source-types';

export const PRESET_EVENT_FIELDS: Record<VerificationScheme, { id: FieldSource; type: FieldSource }> = {
  // Stripe events are JSON objects with "id" (evt_…) and "type" (payment_intent.succeeded).
  stripe: { id: { path: 'id' }, type: { path: 'type' } },
  // GitHub: a delivery GUID per delivery (kept on redelivery), event name + the payload's action.
  github: { id: { header: 'x-github-delivery' }, type: { header: 'x-github-event', appendPath: 'action' } },
  // Shopify: the webhook id is the same on every retry of one webhook; the topic is e.g. orders/create.
  shopify: { id: { header: 'x-shopify-webhook-id' }, type: { header: 'x-shopify-topic', slashesToDots: true } },
  // Standard Webhooks: webhook-id (Svix: svix-id) is the idempotency key; payloads carry "type".
  'standard-webhooks': { id: { header: 'webhook-id', or: { header: 'svix-id' } }, type: { path: 'type' } },
  // Slack Events API: event_id is kept on Slack's retries; the inner event's type (app_mention).
  slack: { id: { path: 'event_id' }, type: { path: 'event.type' } },
  // Zoom: no event id in the body; x-zm-trackingid names the delivery (Zoom does not promise a
  // retry keeps it: see docs/sources.md, zoom).
  zoom: { id: { header: 'x-zm-trackingid' }, type: { path: 'event' } },
  // Paddle Billing notifications: event_id (evt_…) and event_type (transaction.completed).
  paddle: { id: { path: 'event_id' }, type: { path: 'event_type' } },
  // Twilio: I-Twilio-Idempotency-Token is the same on a retry of one request; the status the callback reports.
  twilio: { id: { header: 'i-twilio-idempotency-token' }, type: { path: 'MessageStatus', or: { path: 'SmsStatus', or: { path: 'CallStatus' } } } },
  // Square: event_id and type (payment.updated).
  square: { id: { path: 'event_id' }, type: { path: 'type' } },
  // Discord interactions: the interaction id and its numeric type (2 = application command).
  discord: { id: { path: 'id' }, type: { path: 'type' } },
  // SendGrid posts a batch: its first event's sg_event_id names it; every batch reads as "events".
  sendgrid: { id: { path: 'events.0.sg_event_id' }, type: { value: 'events' } },
  hmac: { id: { path: 'id' }, type: { path: 'type' } },
};

/** Presets that are an HMAC scheme with fixed settings: verified by the generic hmac code. */
export const HMAC_PRESETS: Record<'slack' | 'zoom' | 'paddle', Omit<HmacVerification, 'scheme' | 'secrets' | 'toleranceSeconds'>> = {
  // api.slack.com/authentication/verifying-requests-from-slack
  slack: { header: 'x-slack-signature', algorithm: 'sha256', encoding: 'hex', prefix: 'v0=', timestampHeader: 'x-slack-request-timestamp', signedPayload: 'v0:{timestamp}:{body}' },
  // developers.zoom.us/docs/api/webhooks (verify webhook events)
  zoom: { header: 'x-zm-signature', algorithm: 'sha256', encoding: 'hex', prefix: 'v0=', timestampHeader: 'x-zm-request-timestamp', signedPayload: 'v0:{timestamp}:{body}' },
  // developer.paddle.com/webhooks/signature-verification: Paddle-Signature: ts=…;h1=…
  paddle: { header: 'paddle-signature', algorithm: 'sha256', encoding: 'hex', prefix: '', parts: { separator: ';', signature: 'h1', timestamp: 'ts' }, signedPayload: '{timestamp}:{body}' },
};

/** Presets whose signature covers the URL the provider posts to, as configured (publicUrl). */
export const URL_SIGNED_SCHEMES = ['twilio', 'square'] as const;

/** Schemes with a signed timestamp, where toleranceSeconds applies. */
export const TIMESTAMPED_SCHEMES: ReadonlySet<VerificationScheme> = new Set(['stripe', 'standard-webhooks', 'slack', 'zoom', 'paddle', 'discord', 'sendgrid', 'hmac']);

/** The handshakes a preset answers unless its source file lists its own. */
export const PRESET_HANDSHAKES: Partial<Record<VerificationScheme, Handshake[]>> = {
  slack: [{ type: 'slack-url-verification' }],
  zoom: [{ type: 'zoom-url-validation' }],
  discord: [{ type: 'discord-ping' }],
};

export const PRESET_BODY: Partial<Record<VerificationScheme, BodyFormat>> = {
  twilio: { form: true },
  sendgrid: { arrayAs: 'events' },
};

/** Ed25519 public keys as Discord shows them: 32 bytes in hex, wrapped as DER SubjectPublicKeyInfo. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The shortest whsec_ key accepted (Standard Webhooks: secrets of 24 to 64 bytes). */
export const MIN_STANDARD_WEBHOOKS_KEY_BYTES = 24;

/** Turns a secret's text into key bytes; throws with a hint when the text cannot be one. */
export function secretKey(scheme: VerificationScheme, text: string): Buffer {
  if (scheme === 'discord') {
    if (!/^[0-9a-fA-F]{64}$/.test(text.trim())) throw new Error('a discord public key is 64 hex characters (the application\'s "Public Key")');
    return Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(text.trim(), 'hex')]);
  }
  if (scheme === 'sendgrid') {
    const der = Buffer.from(text.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    try {
      const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
      if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return der;
    } catch { /* reported below */ }
    throw new Error('a sendgrid verification key is an ECDSA P-256 public key in base64 (Mail Settings → Signed Event Webhook)');
  }
  if (scheme !== 'standard-webhooks') return Buffer.from(text, 'utf8');
  // whsec_<base64>: the key is the decoded bytes (as the standardwebhooks library does).
  const b64 = text.startsWith('whsec_') ? text.slice('whsec_'.length) : text;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) throw new Error('a standard-webhooks secret must be whsec_ followed by base64');
  const key = Buffer.from(b64, 'base64');
  // whsec_A decodes to no key at all, which anyone can sign with; the spec asks for 24 to 64 bytes.
  if (key.length < MIN_STANDARD_WEBHOOKS_KEY_BYTES) throw new Error(`a standard-webhooks secret must decode to at least ${MIN_STANDARD_WEBHOOKS_KEY_BYTES} bytes, this one has ${key.length}`);
  return key;
}
