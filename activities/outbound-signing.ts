// How a delivery is signed. Standard Webhooks: HMAC-SHA256 of "<id>.<timestamp>.<body>" keyed by
// the whsec_ secret's bytes, one "v1,<base64>" per secret (several during a rotation). hookflow's
// HMAC scheme: HMAC-SHA256 of "<timestamp>.<body>", as hookflow's own sources verify it
// (X-Hookflow-Timestamp, X-Hookflow-Signature: sha256=<hex>, signed with the newest secret).
import { createHmac } from 'node:crypto';
import type { SigningScheme } from '../engine/outbound';

export function signingKey(scheme: SigningScheme, value: string): Buffer {
  return scheme === 'standard-webhooks' ? Buffer.from(value.replace(/^whsec_/, ''), 'base64') : Buffer.from(value, 'utf8');
}

export function deliverySignature(scheme: SigningScheme, keys: Buffer[], messageId: string, timestamp: number, body: string): Record<string, string> {
  const t = String(timestamp);
  if (scheme === 'standard-webhooks') {
    const signatures = keys.map((k) => `v1,${createHmac('sha256', k).update(`${messageId}.${t}.${body}`).digest('base64')}`);
    return { 'webhook-id': messageId, 'webhook-timestamp': t, 'webhook-signature': signatures.join(' ') };
  }
  // hookflow's sources read one signature: the newest secret signs; receivers keep the old one during a rotation.
  return { 'x-hookflow-id': messageId, 'x-hookflow-timestamp': t, 'x-hookflow-signature': `sha256=${createHmac('sha256', keys[0]).update(`${t}.${body}`).digest('hex')}` };
}
