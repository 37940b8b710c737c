// Which Content-Type a webhook body may have: JSON (application/json, or a structured-syntax
// "+json" type such as application/cloudevents+json, RFC 6839), in UTF-8. JSON exchanged between
// systems must be UTF-8 (RFC 8259 §8.1) and the body is parsed as UTF-8, so a body declared in
// another charset (utf-16, latin1) is refused with 415 rather than read as something it is not.
import { UnsupportedMediaTypeError } from '../../lib/errors';

const JSON_MEDIA = /^application\/(?:json|[a-z0-9.+-]+\+json)$/;
const UTF8 = new Set(['utf-8', 'utf8']);

/** The media type and parameters of a Content-Type value, lower-cased names (RFC 9110 §8.3.1). */
export function parseContentType(value: string): { media: string; params: Map<string, string> } {
  const [media, ...rest] = value.split(';');
  const params = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let v = part.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    if (name && !params.has(name)) params.set(name, v);
  }
  return { media: media.trim().toLowerCase(), params };
}

export function checkJsonContentType(contentType: string | undefined): void {
  const shown = contentType?.slice(0, 100);
  if (!contentType) throw new UnsupportedMediaTypeError(shown);
  const { media, params } = parseContentType(contentType);
  if (!JSON_MEDIA.test(media)) throw new UnsupportedMediaTypeError(shown);
  const charset = params.get('charset');
  if (charset !== undefined && !UTF8.has(charset.toLowerCase())) {
    throw new UnsupportedMediaTypeError(shown, 'expected a JSON body in UTF-8 (no charset, or charset=utf-8)');
  }
}
