// Reads an event's version where its source says (sources/*.yaml `versions:`): a header, a dot
// path in the body, or the last segment of the URL (/webhooks/<source>/<version>). An event that
// carries none has the source's default version, if it names one.
import type { SourceVersions } from '../definitions/source-types';
import { type Headers, headerValue } from './headers';
import { valueAt } from './json-body';

/** Versions become labels and record fields: bounded like an event type. */
const MAX_VERSION_LENGTH = 64;

export function readEventVersion(versions: SourceVersions | undefined, headers: Headers, body: object, urlVersion: string | undefined): string | undefined {
  if (!versions) return undefined;
  let found: string | undefined;
  if (versions.header) found = headerValue(headers, versions.header)?.trim() || undefined;
  else if (versions.path) {
    const v = valueAt(body, versions.path);
    if (typeof v === 'string' && v !== '') found = v;
    else if (typeof v === 'number' && Number.isFinite(v)) found = String(v);
  } else if (versions.url) found = urlVersion || undefined;
  return (found ?? versions.default)?.slice(0, MAX_VERSION_LENGTH);
}
