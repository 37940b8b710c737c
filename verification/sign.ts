// Signs a body the way each provider does, so `hookflow send` (and tests) post what a real
// provider would. The mirror image of the verifiers next to this file; round-trip tested.
import { createHash, createHmac } from 'node:crypto';
import { HMAC_PRESETS } from '../definitions/source-presets';
import type { Verification } from '../definitions/source-types';
import { signHmac } from './hmac';
import { signedUrl, twilioPayload } from './url-signed';

export interface SignOptions {
  /** The key bytes, as the source's loader resolved them (standard-webhooks: whsec_ decoded). */
  secret: Buffer;
  now?: Date;
  /** Standard Webhooks signs the message id too. */
  messageId?: string;
  /** twilio, square: the path and query the request goes to (the query is signed with publicUrl). */
  requestUrl?: string;
  /** twilio: the body is a form (parameters signed), else JSON (its hash goes in ?bodySHA256=). */
  form?: boolean;
}

/** The signature headers (lowercase names) for `rawBody`. */
export function signatureHeaders(spec: Verification, rawBody: Buffer, o: SignOptions): Record<string, string> {
  const t = String(Math.floor((o.now ?? new Date()).getTime() / 1000));
  const mac = (...parts: (string | Buffer)[]) => parts.reduce((h, p) => h.update(p), createHmac('sha256', o.secret));
  switch (spec.scheme) {
    case 'hmac': case 'slack': case 'zoom': case 'paddle': {
      const hmac = spec.scheme === 'hmac' ? spec : { ...HMAC_PRESETS[spec.scheme], ...spec };
      const headers = { [hmac.header]: signHmac(hmac, o.secret, rawBody, t) };
      return hmac.timestampHeader ? { ...headers, [hmac.timestampHeader.toLowerCase()]: t } : headers;
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
    case 'square':
      return { 'x-square-hmacsha256-signature': mac(signedUrl(spec.publicUrl!, o.requestUrl ?? ''), rawBody).digest('base64') };
    case 'twilio': {
      const url = signedUrl(spec.publicUrl!, o.requestUrl ?? '');
      return { 'x-twilio-signature': createHmac('sha1', o.secret).update(twilioPayload(url, o.form ? rawBody : undefined)).digest('base64') };
    }
    case 'discord': case 'sendgrid':
      throw new Error(`${spec.scheme} signs with its private key; the source holds only the public key, so hookflow cannot sign for it`);
  }
}

/** Twilio puts a JSON body's hash in the URL it signs: the query to post a JSON body to. */
export const twilioBodyQuery = (rawBody: Buffer) => `?bodySHA256=${createHash('sha256').update(rawBody).digest('hex')}`;
