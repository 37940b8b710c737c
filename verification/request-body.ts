// Reads a verified body into the object flows see: a JSON object; a form (Twilio) as an object
// of strings, one per name (./form-body.ts); a JSON array (SendGrid's batches) under the key
// its preset names.
import { MalformedBodyError } from '../lib/errors';
import type { SourceDefinition } from '../definitions/source-types';
import type { Headers } from './headers';
import { parseJsonBody } from './json-body';
import { isForm } from './url-signed';
import { parseForm } from './form-body';

export function parseBody(source: Pick<SourceDefinition, 'body'>, headers: Headers, rawBody: Buffer): Record<string, unknown> {
  if (source.body.form && isForm(headers)) return parseForm(rawBody);
  const body = parseJsonBody(rawBody);
  if (source.body.arrayAs && Array.isArray(body)) return { [source.body.arrayAs]: body };
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new MalformedBodyError(source.body.arrayAs ? 'body must be a JSON array or object' : 'body must be a JSON object');
  return body as Record<string, unknown>;
}

/** The event body of a stored delivery, read as it was when it arrived. */
export function storedEventBody(record: { contentType?: string; bodyArrayAs?: string }, bytes: Buffer): Record<string, unknown> {
  return parseBody({ body: { form: true, arrayAs: record.bodyArrayAs } }, { 'content-type': record.contentType }, bytes);
}
