// What the JSON Schema cannot see in a scheduled trigger: every: or cron: (exactly one), durations,
// cron syntax, the time zone, and event-trigger keys that do not belong to a schedule.
import { durationMs } from '../engine/duration';
import { SCHEDULE_SOURCE } from '../engine/schedule';
import { OVERLAP_POLICIES, type ScheduleTrigger, type TriggerDefinition } from '../engine/types';
import { CRON_HINT, cronProblem } from './cron-check';
import type { Problem, YamlFile } from './yaml-file';

const INTERVAL_HINT = 'intervals look like 30s, 15m, 2h or 1d (a whole number and one unit, no spaces)';
const EITHER_HINT = 'a flow starts either on events (source + events) or on a schedule (every: or cron:), not both';
/** Temporal does not honour catch-up windows shorter than this. */
const MIN_CATCHUP_MS = 10_000;

export function scheduleTriggerProblems(yaml: YamlFile, trigger: TriggerDefinition, sources: Set<string>): Problem[] {
  const problems: Problem[] = [];
  const at = (path: (string | number)[], message: string, hint?: string) => problems.push(yaml.at(['trigger', ...path], message, hint));
  for (const key of ['source', 'events', 'filter', 'idempotencyKey'] as const) {
    if (key in trigger) at([key], `"${key}" does not apply to a scheduled trigger`, EITHER_HINT);
  }
  if (sources.has(SCHEDULE_SOURCE)) at(['schedule'], `a source is named "${SCHEDULE_SOURCE}", the name scheduled runs use as their source`, 'rename that source file');
  const s = trigger.schedule as ScheduleTrigger;
  if (!s || typeof s !== 'object') return problems;

  const hasCron = s.cron !== undefined;
  if (s.every === undefined && !hasCron) at(['schedule'], 'a schedule needs every: or cron:', 'every: 15m runs every 15 minutes; cron: "0 3 * * *" runs daily at 03:00 (UTC unless timezone: says otherwise)');
  if (s.every !== undefined && hasCron) at(['schedule', 'cron'], 'a schedule has either every: or cron:, not both', 'keep one; several cron expressions can be given as a list');

  const every = s.every === undefined ? undefined : durationMs(s.every);
  if (s.every !== undefined && (every === undefined || every < 1000 || every % 1000 !== 0)) {
    at(['schedule', 'every'], `every "${s.every}" is not an interval of whole seconds (at least 1s)`, INTERVAL_HINT);
  }
  if (s.offset !== undefined) {
    const offset = durationMs(s.offset);
    if (s.every === undefined) at(['schedule', 'offset'], 'offset only applies to every:', 'offset shifts an interval: every: 1h with offset: 15m runs at :15 each hour');
    else if (offset === undefined || offset % 1000 !== 0) at(['schedule', 'offset'], `offset "${s.offset}" is not a duration of whole seconds`, INTERVAL_HINT);
    else if (every !== undefined && offset >= every) at(['schedule', 'offset'], `offset ${s.offset} is not shorter than every ${s.every}`, 'the offset shifts each run within one interval');
  }
  const crons = Array.isArray(s.cron) ? s.cron : hasCron ? [s.cron] : [];
  crons.forEach((expression, i) => {
    const problem = typeof expression === 'string' ? cronProblem(expression) : 'cron expressions are strings';
    if (problem) at(['schedule', 'cron', ...(Array.isArray(s.cron) ? [i] : [])], problem, CRON_HINT);
  });
  if (s.timezone !== undefined) {
    if (!hasCron) at(['schedule', 'timezone'], 'timezone only applies to cron:', 'every: counts from the epoch in UTC; use cron: for wall-clock times');
    else if (!isTimeZone(s.timezone)) at(['schedule', 'timezone'], `unknown time zone "${s.timezone}"`, 'use an IANA name such as UTC, Europe/Berlin or America/New_York');
  }
  if (s.overlap !== undefined && !OVERLAP_POLICIES.includes(s.overlap)) at(['schedule', 'overlap'], `unknown overlap policy "${s.overlap}"`, `one of: ${OVERLAP_POLICIES.join(', ')}`);
  if (s.catchupWindow !== undefined) {
    const window = durationMs(s.catchupWindow);
    if (window === undefined || window < MIN_CATCHUP_MS) at(['schedule', 'catchupWindow'], `catchupWindow "${s.catchupWindow}" is not a duration of at least 10s`, INTERVAL_HINT);
  }
  return problems;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
