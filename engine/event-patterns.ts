// Event type patterns in triggers: "*" (every type of the source) and a prefix ending in ".*"
// ("orders.*" takes orders.create and orders.paid.partially, not orders). Anything else is an
// exact type. Pure: the ingress, the relay, the CLI and the checks share it.

/** Whether a trigger's entry is a pattern rather than one event type. */
export function isEventPattern(entry: string): boolean {
  return entry === '*' || (entry.endsWith('.*') && entry.length > 2);
}

/** Whether `type` is taken by a trigger entry (an exact type or a pattern). */
export function matchesEventType(entry: string, type: string): boolean {
  if (entry === '*') return true;
  if (isEventPattern(entry)) return type.startsWith(entry.slice(0, -1)) && type.length > entry.length - 1;
  return entry === type;
}

/** Whether any of the entries takes `type`. */
export function takesEventType(entries: readonly string[], type: string): boolean {
  return entries.some((entry) => matchesEventType(entry, type));
}
