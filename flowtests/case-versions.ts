// A case's event checked and upcast as the ingress does it (server/webhooks/webhook.ts): the schema
// of the version it is sent as (an unknown version is the ingress's 422 unknown_event_version),
// then the flow's upcast — the engine's own eventForFlow, the function the ingress and the relay
// call — and the upcast body against the schema of the version it claims. A failure names the
// upcast's line in the source file, so a broken mapping is found where it is written.
import { UnknownEventVersionError } from '../lib/errors';
import { UpcastError, eventForFlow } from '../engine/event-versions';
import type { FlowDefinition, FlowEvent } from '../engine/types';
import type { Definitions } from '../definitions/definitions';

type Defs = Pick<Definitions, 'events' | 'eventSchemas' | 'sources'>;

/** Why the ingress would refuse the event as sent (422), or undefined. */
export function sentEventProblem(defs: Defs, event: FlowEvent): string | undefined {
  let schema: { validate: (body: unknown) => { path: string; message: string }[]; file?: string } | undefined;
  try {
    // The source's own schema first, then the shared one; a versioned type by its version (definitions/event-catalog.ts).
    schema = defs.events ? defs.events.schemaForEvent(event.source, event.type, event.version) : undefined;
  } catch (err) {
    if (err instanceof UnknownEventVersionError) return `the ingress would refuse it (422 unknown_event_version): ${err.message}`;
    throw err;
  }
  const validate = schema?.validate ?? defs.eventSchemas.get(event.type);
  const violations = validate?.(event.body) ?? [];
  if (!violations.length) return undefined;
  const file = schema?.file ?? `schemas/events/${event.type}.json`;
  return `the event does not match ${file}: ${violations.map((v) => `${v.path} ${v.message}`).join('; ')}`;
}

/** The event as this flow's run receives it (upcast to its version), or why the ingress would refuse it. */
export async function eventForRun(defs: Defs, flow: FlowDefinition, sent: FlowEvent): Promise<{ event: FlowEvent } | { problem: string }> {
  let event: FlowEvent;
  try {
    event = await eventForFlow(flow, sent);
  } catch (err) {
    if (err instanceof UpcastError) return { problem: `${err.message}${upcastAt(defs, sent, err.from)}` };
    throw err;
  }
  if (!event.upcastFrom || event.version === undefined) return { event };
  const schema = defs.events?.schemaOf(event.source, event.type, event.version);
  const violations = schema?.validate(event.body) ?? [];
  if (!violations.length) return { event };
  return {
    problem: `after the upcast from version ${event.upcastFrom} to ${event.version}${upcastAt(defs, sent, event.upcastFrom)}, the body does not match ${schema!.file}: ` +
      violations.slice(0, 5).map((v) => `${v.path} ${v.message}`).join('; '),
  };
}

/** " (sources/shop.yaml:20:7)": where the upcast from `from` is written. */
function upcastAt(defs: Defs, event: FlowEvent, from: string | undefined): string {
  const at = from === undefined ? undefined : defs.sources.get(event.source)?.versions?.upcast[event.type]?.[from]?.at;
  return at ? ` (${at.file}:${at.line}:${at.column})` : '';
}
