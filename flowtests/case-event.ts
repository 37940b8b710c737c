// The event of a test case (or of a simulated callback), made as the ingress would make it: the
// body from a provider sample, a file or inline, with the case's changes; id and type read where
// the flow's source says (verification/event-fields.ts). A scheduled flow's event is made from
// the scheduled time, as workflows/scheduled.ts does. Its version is read where the source says
// (verification/event-version.ts), or given as `version:` (as the URL segment would give it).
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MissingEventHeaderError, SchemaViolationError } from '../lib/errors';
import { scheduledEvent, scheduleIdOf } from '../engine/schedule';
import type { FlowDefinition, FlowEvent } from '../engine/types';
import type { FieldSource, SourceDefinition } from '../definitions/source-types';
import { readEventField } from '../verification/event-fields';
import { readEventVersion } from '../verification/event-version';
import { parseJsonBody } from '../verification/json-body';
import type { EventSpec } from './test-file';

export const DEFAULT_RECEIVED_AT = '2026-01-01T00:00:00.000Z';

export interface EventContext {
  flow: FlowDefinition;
  source?: SourceDefinition;
  /** The folder of provider samples: samples/<scheme>/<type>.json. */
  samplesDir: string;
  /** The test file, which `file:` paths are relative to. */
  testFile: string;
}

/** A mistake in the case's event (a missing file or sample): reported at the event, not a crash. */
export class CaseEventError extends Error {}

export function caseEvent(spec: EventSpec, ctx: EventContext, fallbackId: string): FlowEvent {
  if (spec.scheduledAt !== undefined) {
    const at = new Date(spec.scheduledAt);
    return scheduledEvent(scheduleIdOf(ctx.flow.name), at, spec.receivedAt ? new Date(spec.receivedAt) : at);
  }
  const body = withChanges(bodyOf(spec, ctx), spec.set ?? {});
  const fields = ctx.source?.event ?? { id: { path: 'id' }, type: { path: 'type' } };
  const headers = Object.fromEntries(Object.entries(spec.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const read = (field: FieldSource, what: 'id' | 'type'): string | undefined => {
    try {
      return readEventField(field, headers, body && typeof body === 'object' ? body : {}, what);
    } catch (err) {
      if (err instanceof MissingEventHeaderError || err instanceof SchemaViolationError) return undefined;
      throw err;
    }
  };
  const type = spec.type ?? read(fields.type, 'type') ?? spec.sample;
  if (type === undefined) throw new CaseEventError(`the event has no type where source ${ctx.flow.trigger.source} reads it: give event.type (or the header it comes from)`);
  if (spec.version !== undefined && !ctx.source?.versions) throw new CaseEventError(`source ${ctx.flow.trigger.source} does not say where its events carry a version (no versions: in its file), so the event cannot have version "${spec.version}"`);
  // As the ingress reads it: `version:` stands for the header, body field or URL segment (and beats them).
  const version = spec.version ?? readEventVersion(ctx.source?.versions, headers, body && typeof body === 'object' ? body : {}, undefined);
  return {
    id: spec.id ?? read(fields.id, 'id') ?? fallbackId,
    type,
    source: ctx.flow.trigger.source,
    receivedAt: spec.receivedAt ? new Date(spec.receivedAt).toISOString() : DEFAULT_RECEIVED_AT,
    body,
    ...(version !== undefined && { version }),
  };
}

function bodyOf(spec: EventSpec, ctx: EventContext): unknown {
  if (spec.body !== undefined) return structuredClone(spec.body);
  if (spec.file !== undefined) return readJson(resolve(dirname(ctx.testFile), spec.file), `file ${spec.file}`);
  const scheme = ctx.source?.verify.scheme;
  if (!scheme) throw new CaseEventError(`source ${ctx.flow.trigger.source} has no verification scheme, so no samples: give event.file or event.body`);
  // A sample per version: samples/<scheme>/<type>/<version>.json, as schemas/events/<source>/<type>/<version>.json.
  const perVersion = spec.version === undefined ? undefined : join(ctx.samplesDir, scheme, spec.sample!, `${spec.version}.json`);
  if (perVersion && existsSync(perVersion)) return readJson(perVersion, `sample ${spec.sample} version ${spec.version}`);
  const path = join(ctx.samplesDir, scheme, `${spec.sample}.json`);
  if (!existsSync(path)) throw new CaseEventError(`no sample "${spec.sample}" for source ${ctx.flow.trigger.source}: expected ${perVersion ? `${perVersion} or ` : ''}${path}`);
  return readJson(path, `sample ${spec.sample}`);
}

function readJson(path: string, what: string): unknown {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch {
    throw new CaseEventError(`cannot read the ${what}: ${path}`);
  }
  try {
    // The ingress's parser: integers beyond 2^53 stay exact (as decimal strings), as a run sees them.
    return parseJsonBody(raw);
  } catch (err) {
    throw new CaseEventError(`the ${what} is not JSON: ${(err as Error).message}`);
  }
}

/** `set: { data.method: bank_transfer, data.customer.name: null }`: each dot path set (null removes it). */
function withChanges(body: unknown, changes: Record<string, unknown>): unknown {
  for (const [path, value] of Object.entries(changes)) {
    if (!body || typeof body !== 'object') throw new CaseEventError(`event.set: the body is not an object, so ${path} cannot be set`);
    const keys = path.split('.');
    let node = body as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      if (!node[key] || typeof node[key] !== 'object') node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1];
    if (value === null) delete node[last];
    else node[last] = value;
  }
  return body;
}
