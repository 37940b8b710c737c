// Providers that sign with a private key; the source holds their public key (DER SPKI bytes).
//  - Discord: X-Signature-Ed25519 (hex), Ed25519 over X-Signature-Timestamp + raw body.
//  - SendGrid: X-Twilio-Email-Event-Webhook-Signature (base64 DER), ECDSA P-256 / SHA-256 over
//    X-Twilio-Email-Event-Webhook-Timestamp + raw body.
import { createPublicKey, verify } from 'node:crypto';
import type { PresetVerification } from '../definitions/source-types';
import type { Headers } from './headers';
import { activeSecrets, checkTimestamp, decodeSignature, invalid, requireHeader } from './common';

const HEADERS = {
  discord: { signature: 'x-signature-ed25519', timestamp: 'x-signature-timestamp', encoding: 'hex', digest: null },
  sendgrid: { signature: 'x-twilio-email-event-webhook-signature', timestamp: 'x-twilio-email-event-webhook-timestamp', encoding: 'base64', digest: 'sha256' },
} as const;

export function verifyPublicKey(spec: PresetVerification & { scheme: 'discord' | 'sendgrid' }, headers: Headers, rawBody: Buffer, now: Date): void {
  const h = HEADERS[spec.scheme];
  const signature = decodeSignature(requireHeader(headers, h.signature), h.encoding);
  const timestamp = requireHeader(headers, h.timestamp);
  checkTimestamp(timestamp, spec.toleranceSeconds, now, h.timestamp);
  const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]);
  let matched = false;
  for (const der of activeSecrets(spec.secrets, now)) {
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    matched = (signature.length > 0 && verify(h.digest, signed, spec.scheme === 'sendgrid' ? { key, dsaEncoding: 'der' } : key, signature)) || matched;
  }
  if (!matched) invalid();
}
