// The schema an incoming event is checked against, and the check of what an upcast gave: the
// catalog's (per source, then shared; versions), or the shared map alone for definitions built
// without one.
import { SchemaViolationError } from '../../lib/errors';
import type { Definitions } from '../../definitions/definitions';
import type { EventValidator } from '../../definitions/event-schemas';
import type { PlannedRun } from '../starts';

export type EventSchemas = Pick<Definitions, 'eventSchemas' | 'events'>;

/** The validator of an event; throws UnknownEventVersionError (422) for a version its type does not have. */
export function schemaOfEvent(definitions: EventSchemas, source: string, type: string, version: string | undefined): EventValidator | undefined {
  if (!definitions.events) return definitions.eventSchemas.get(type);
  return definitions.events.schemaForEvent(source, type, version)?.validate;
}

/** Refuses (422) an event whose upcast body does not match the schema of the version it was upcast to. */
export function checkUpcastRuns(definitions: EventSchemas, planned: PlannedRun[], maxViolations: number): void {
  for (const run of planned) {
    const event = run.event;
    if (!event?.upcastFrom || event.version === undefined) continue;
    const violations = definitions.events?.schemaOf(event.source, event.type, event.version)?.validate(event.body) ?? [];
    if (violations.length) {
      throw new SchemaViolationError(event.type, violations.slice(0, maxViolations).map((v) => ({ path: v.path, message: `after the upcast from version ${event.upcastFrom} to ${event.version} (flow ${run.flow.name}): ${v.message}` })));
    }
  }
}
