// What makes a re-sent request a duplicate when its event id is not signed. GitHub, Shopify,
// Zoom and Twilio sign the body (or the URL and form), not the header that carries the delivery
// id (X-GitHub-Delivery, X-Shopify-Webhook-Id, x-zm-trackingid, I-Twilio-Idempotency-Token): a
// captured request re-sent under a new id still verifies. Its signed material cannot change, so
// a digest of it, with the source, is a second duplicate key (server/deliveries/signed-bodies.ts).
import { createHash } from 'node:crypto';
import type { FieldSource, SourceDefinition } from '../definitions/source-types';

/** Standard Webhooks signs its id header (webhook-id is part of the signed content). */
const SIGNS_ID_HEADER = new Set(['standard-webhooks']);
/** These sign the URL (with its query) as well as the body. */
const URL_SIGNED = new Set(['twilio', 'square']);

function readsHeader(field: FieldSource | undefined): boolean {
  return !!field && (field.header !== undefined || readsHeader(field.or));
}

/** True when the event id can come from a header the signature does not cover. */
export function idIsUnsigned(source: Pick<SourceDefinition, 'verify' | 'event'>): boolean {
  return readsHeader(source.event.id) && !SIGNS_ID_HEADER.has(source.verify.scheme);
}

/** "<source>:<sha256 of what was signed>", or undefined where the id itself is signed (or read from the signed body). */
export function signedMaterialKey(source: Pick<SourceDefinition, 'name' | 'verify' | 'event'>, rawBody: Buffer, requestUrl = ''): string | undefined {
  if (!idIsUnsigned(source)) return undefined;
  const hash = createHash('sha256').update(source.name).update('\0');
  if (URL_SIGNED.has(source.verify.scheme)) hash.update(requestUrl).update('\0');
  return `${source.name}:${hash.update(rawBody).digest('hex')}`;
}
