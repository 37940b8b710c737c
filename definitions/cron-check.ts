// Checks a cron expression the way Temporal's scheduler reads it, so a typo is reported by
// `hookflow validate` with its position instead of failing later when the schedule is created.
// Accepted: 5 fields (minute hour day-of-month month day-of-week), each a comma list of *, n,
// n-m, with an optional /step; month and weekday names; or @yearly, @monthly, @weekly, @daily, @hourly.

interface Field { name: string; min: number; max: number; names?: string[]; minPrefix?: number }

const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'], minPrefix: 3 },
  // 0 and 7 are both Sunday.
  { name: 'day of week', min: 0, max: 7, names: ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'], minPrefix: 2 },
];

const SHORTHANDS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

export const CRON_HINT = 'cron has 5 fields: minute hour day-of-month month day-of-week, e.g. "*/15 * * * *" or "0 3 * * MON-FRI"; or @hourly, @daily, @weekly, @monthly';

/** What is wrong with a cron expression, or undefined when Temporal will accept it. */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (/^(CRON_)?TZ=/.test(text)) return `cron "${expression}" sets its time zone inline: use the schedule's timezone: instead`;
  if (text.startsWith('@every')) return `cron "${expression}" is an interval: use every: instead`;
  if (text.includes('#')) return `cron "${expression}" has a "#": put comments in YAML comments`;
  if (text.startsWith('@')) return SHORTHANDS.includes(text) ? undefined : `cron "${expression}": unknown shorthand ${text}`;
  const parts = text.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) return `cron "${expression}" has ${parts.length} field${parts.length === 1 ? '' : 's'}, not 5`;
  for (let i = 0; i < FIELDS.length; i++) {
    const problem = fieldProblem(parts[i], FIELDS[i]);
    if (problem) return `cron "${expression}": ${FIELDS[i].name} "${parts[i]}" ${problem}`;
  }
  return undefined;
}

function fieldProblem(text: string, field: Field): string | undefined {
  for (const part of text.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined) return 'has more than one "/"';
    if (step !== undefined && !(/^[0-9]+$/.test(step) && Number(step) >= 1)) return `has step "${step}", not a whole number of at least 1`;
    if (range === '*') continue;
    const ends = range.split('-');
    if (ends.length > 2) return 'has more than one "-"';
    const values = ends.map((e) => valueOf(e, field));
    const bad = ends.find((_, i) => values[i] === undefined);
    const expected = `${field.names ? 'a number or name' : 'a number'} in ${field.min}-${field.max}`;
    if (bad !== undefined) return bad === text ? `is not ${expected}` : `has "${bad}", not ${expected}`;
    if (values.length === 2 && values[1]! < values[0]!) return `has range ${range} that ends before it starts`;
  }
  return undefined;
}

function valueOf(text: string, field: Field): number | undefined {
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const lower = text.toLowerCase();
  if (!field.names || lower.length < (field.minPrefix ?? 3)) return undefined;
  const index = field.names.findIndex((n) => n.startsWith(lower));
  if (index < 0) return undefined;
  return field.name === 'month' ? index + 1 : index;
}
