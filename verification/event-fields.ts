// Reads an event's id and type where its source says: a header, or a dot path in the body.
import { MissingEventHeaderError, SchemaViolationError } from '../lib/errors';
import type { FieldSource } from '../definitions/source-types';
import { type Headers, headerValue } from './headers';
import { valueAt } from './json-body';

/** Event ids become document and workflow ids: bounded, like any key. */
export const MAX_EVENT_FIELD_LENGTH = 256;

export function readEventField(field: FieldSource, headers: Headers, body: object, what: 'id' | 'type'): string {
  const found = readField(field, headers, body);
  if (found === undefined) {
    if (field.header) throw new MissingEventHeaderError(field.header, what);
    throw violation(field.path!, `event ${what} is missing: expected a string at "${field.path}"`);
  }
  let value = found;
  if (field.slashesToDots) value = value.replace(/\//g, '.');
  if (field.appendPath) {
    const extra = valueAt(body, field.appendPath);
    if (typeof extra === 'string' && extra !== '') value = `${value}.${extra}`;
  }
  if (value.length > MAX_EVENT_FIELD_LENGTH) throw violation(field.path ?? field.header ?? 'value', `event ${what} is longer than ${MAX_EVENT_FIELD_LENGTH} characters`);
  return value;
}

/** The field's value, or its fallback's (`or`) when absent; undefined when none is there. */
function readField(field: FieldSource, headers: Headers, body: object): string | undefined {
  let value: string | undefined;
  if (field.value !== undefined) value = field.value;
  else if (field.header) value = headerValue(headers, field.header)?.trim() || undefined;
  else {
    const v = valueAt(body, field.path!);
    if (typeof v === 'number' && Number.isFinite(v)) value = String(v);
    else if (typeof v === 'string' && v !== '') value = v;
  }
  return value ?? (field.or && readField(field.or, headers, body));
}

function violation(path: string, message: string): SchemaViolationError {
  return new SchemaViolationError('(unknown)', [{ path: `/${path.replace(/\./g, '/')}`, message }]);
}
