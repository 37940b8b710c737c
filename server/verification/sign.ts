// Signs a body the way each provider does, so `hookflow send` (and tests) post what a real
// provider would. The mirror image of the verifiers next to this file; round-trip tested.
import { createHmac } from 'node:crypto';
import type { Verification } from '../../definitions/source-types';
import { signHmac } from './hmac';

export interface SignOptions {
  /** The key bytes, as the source's loader resolved them (standard-webhooks: whsec_ decoded). */
  secret: Buffer;
  now?: Date;
  /** Standard Webhooks signs the message id too. */
  messageId?: string;
}

/** The signature headers (lowercase names) for `rawBody`. */
export function signatureHeaders(spec: Verification, rawBody: Buffer, o: SignOptions): Record<string, string> {
  const t = String(Math.floor((o.now ?? new Date()).getTime() / 1000));
  const mac = (...parts: (string | Buffer)[]) => parts.reduce((h, p) => h.update(p), createHmac('sha256', o.secret));
  switch (spec.scheme) {
    case 'hmac': {
      const headers = { [spec.header]: signHmac(spec, o.secret, rawBody, t) };
      return spec.timestampHeader ? { ...headers, [spec.timestampHeader.toLowerCase()]: t } : headers;
    }
    case 'stripe':
      return { 'stripe-signature': `t=${t},v1=${mac(`${t}.`, rawBody).digest('hex')}` };
    case 'github':
      return { 'x-hub-signature-256': `sha256=${mac(rawBody).digest('hex')}` };
    case 'shopify':
      return { 'x-shopify-hmac-sha256': mac(rawBody).digest('base64') };
    case 'standard-webhooks': {
      if (!o.messageId) throw new Error('standard-webhooks signs a message id: give one');
      return { 'webhook-id': o.messageId, 'webhook-timestamp': t, 'webhook-signature': `v1,${mac(`${o.messageId}.${t}.`, rawBody).digest('base64')}` };
    }
  }
}
