// GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body. No timestamp is signed;
// replays are caught by the delivery id (X-GitHub-Delivery) in the delivery store.
import { SignatureError } from '../lib/errors';
import type { PresetVerification } from '../definitions/source-types';
import type { Headers } from './headers';
import { activeSecrets, anyMatches, decodeSignature, hmac, invalid, requireHeader } from './common';

export function verifyGithub(spec: PresetVerification, headers: Headers, rawBody: Buffer, now: Date): void {
  const header = requireHeader(headers, 'x-hub-signature-256');
  if (!header.startsWith('sha256=')) throw new SignatureError('signature_invalid', 'X-Hub-Signature-256 must start with "sha256="');
  const given = decodeSignature(header.slice('sha256='.length), 'hex');
  if (!anyMatches(activeSecrets(spec.secrets, now), (key) => hmac('sha256', key, rawBody), [given])) invalid();
}
