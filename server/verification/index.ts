// Picks the verification for a source's scheme. Each runs on the raw bytes, before parsing.
import type { Verification } from '../../definitions/source-types';
import type { Headers } from '../http';
import { verifyGithub } from './github';
import { verifyHmac } from './hmac';
import { verifyShopify } from './shopify';
import { verifyStandardWebhooks } from './standard-webhooks';
import { verifyStripe } from './stripe';

export function verifySignature(spec: Verification, headers: Headers, rawBody: Buffer, now: Date): void {
  switch (spec.scheme) {
    case 'hmac': return verifyHmac(spec, headers, rawBody, now);
    case 'stripe': return verifyStripe(spec, headers, rawBody, now);
    case 'github': return verifyGithub(spec, headers, rawBody, now);
    case 'shopify': return verifyShopify(spec, headers, rawBody, now);
    case 'standard-webhooks': return verifyStandardWebhooks(spec, headers, rawBody, now);
  }
}
