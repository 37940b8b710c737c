// Which versions of an event a flow takes, and the upcast that brings an older version's body to
// the one the flow is written for. The chain travels in the flow definition (resolved by the
// loader), and the ingress applies it before the run starts: the run's input is the upcast event,
// so a run's history and its replay never depend on today's mappings. Pure.
import { evaluateExpression } from './expressions';
import type { FlowDefinition, FlowEvent } from './types';

export class UpcastError extends Error {
  /** The step that failed: from one version to the next (the source file names where it is written). */
  constructor(message: string, readonly from?: string, readonly to?: string) { super(message); this.name = 'UpcastError'; }
}

/** Whether the flow takes this event's version (as sent, or through an upcast); any version when it names none. */
export function takesVersion(flow: Pick<FlowDefinition, 'trigger'>, event: Pick<FlowEvent, 'type' | 'version'>): boolean {
  const taken = flow.trigger.versions?.[event.type];
  if (!taken) return true;
  if (event.version === undefined) return false;
  return taken.asSent.includes(event.version) || taken.upcast[event.version] !== undefined;
}

/** The event as this flow receives it: as sent, or upcast to the oldest version the flow takes. */
export async function eventForFlow<E extends Pick<FlowEvent, 'type' | 'version'> & Partial<FlowEvent>>(flow: Pick<FlowDefinition, 'trigger'>, event: E): Promise<E> {
  const steps = event.version === undefined ? undefined : flow.trigger.versions?.[event.type]?.upcast[event.version];
  if (!steps?.length) return event;
  let body = event.body;
  let version = event.version!;
  for (const step of steps) {
    let next: unknown;
    try {
      next = await evaluateExpression(step.expression, body as object);
    } catch (err) {
      throw new UpcastError(`upcast of ${event.type} from version ${version} to ${step.to} failed: ${(err as Error).message}`, version, step.to);
    }
    if (!next || typeof next !== 'object' || Array.isArray(next)) throw new UpcastError(`upcast of ${event.type} from version ${version} to ${step.to} gave ${Array.isArray(next) ? 'an array' : typeof next}, not an object`, version, step.to);
    // Plain JSON, as a body that came over the wire: JSONata's objects have no prototype and may hold undefined.
    body = JSON.parse(JSON.stringify(next));
    version = step.to;
  }
  return { ...event, body, version, upcastFrom: event.version };
}
