// Reads an event's id and type where its source says: a header, or a dot path in the body.
import { MissingEventHeaderError, SchemaViolationError } from '../lib/errors';
import type { FieldSource } from '../definitions/source-types';
import { type Headers, headerValue } from './http';
import { valueAt } from './json-body';

/** Event ids become document and workflow ids: bounded, like any key. */
export const MAX_EVENT_FIELD_LENGTH = 256;

export function readEventField(field: FieldSource, headers: Headers, body: object, what: 'id' | 'type'): string {
  let value: string;
  if (field.header) {
    const v = headerValue(headers, field.header)?.trim();
    if (!v) throw new MissingEventHeaderError(field.header, what);
    value = v;
  } else {
    const v = valueAt(body, field.path!);
    if (typeof v === 'number' && Number.isFinite(v)) value = String(v);
    else if (typeof v === 'string' && v !== '') value = v;
    else throw violation(field.path!, `event ${what} is missing: expected a string at "${field.path}"`);
  }
  if (field.slashesToDots) value = value.replace(/\//g, '.');
  if (field.appendPath) {
    const extra = valueAt(body, field.appendPath);
    if (typeof extra === 'string' && extra !== '') value = `${value}.${extra}`;
  }
  if (value.length > MAX_EVENT_FIELD_LENGTH) throw violation(field.path ?? field.header!, `event ${what} is longer than ${MAX_EVENT_FIELD_LENGTH} characters`);
  return value;
}

function violation(path: string, message: string): SchemaViolationError {
  return new SchemaViolationError('(unknown)', [{ path: `/${path.replace(/\./g, '/')}`, message }]);
}
