// Picks the verification for a source's scheme. Each runs on the raw bytes, before parsing.
import { HMAC_PRESETS } from '../definitions/source-presets';
import type { Verification } from '../definitions/source-types';
import type { Headers } from './headers';
import { verifyGithub } from './github';
import { verifyHmac } from './hmac';
import { verifyPublicKey } from './public-key';
import { verifyShopify } from './shopify';
import { verifyStandardWebhooks } from './standard-webhooks';
import { verifyStripe } from './stripe';
import { verifySquare, verifyTwilio } from './url-signed';

/** `requestUrl` is the path and query as received (twilio and square sign the URL). */
export function verifySignature(spec: Verification, headers: Headers, rawBody: Buffer, now: Date, requestUrl = ''): void {
  switch (spec.scheme) {
    case 'hmac': return verifyHmac(spec, headers, rawBody, now);
    case 'slack': case 'zoom': case 'paddle':
      return verifyHmac({ ...HMAC_PRESETS[spec.scheme], ...spec, scheme: 'hmac' }, headers, rawBody, now);
    case 'stripe': return verifyStripe(spec, headers, rawBody, now);
    case 'github': return verifyGithub(spec, headers, rawBody, now);
    case 'shopify': return verifyShopify(spec, headers, rawBody, now);
    case 'standard-webhooks': return verifyStandardWebhooks(spec, headers, rawBody, now);
    case 'twilio': return verifyTwilio(spec, headers, rawBody, now, requestUrl);
    case 'square': return verifySquare(spec, headers, rawBody, now, requestUrl);
    case 'discord': case 'sendgrid': return verifyPublicKey({ ...spec, scheme: spec.scheme }, headers, rawBody, now);
  }
}
