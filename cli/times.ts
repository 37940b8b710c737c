// Times as people type them at the command line: in their own time zone unless they name one.
// "09:00" is 09:00 local time today, "2026-12-06" local midnight, "2026-12-06T09:00" local,
// "2026-12-06T09:00+01:00" or "…Z" as written, "7d" / "12h" / "30m" that long ago. The CLI sends
// the admin API an exact instant, so the ingress's own time zone never matters.
import { UsageError } from './args';

const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/;
const AGO = /^(\d+)(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const TIME_FORMS = 'HH:MM (local time today), 2026-12-06 or 2026-12-06T09:00 (local), 2026-12-06T09:00+01:00 or …Z, or 7d / 12h / 30m ago';

function zoneOf(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** A time the way this machine's clock reads it, with its offset: "2026-12-06T09:00:00+01:00". */
export function localText(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${zoneOf(d)}`;
}

/** Parses --NAME's value; a time in the future is a usage error (it would match nothing, silently). */
export function parseCliTime(value: string, name: string, now = new Date()): Date {
  const d = parse(value.trim(), now);
  if (!d || Number.isNaN(d.getTime())) throw new UsageError(`--${name} "${value}" is not a time; give ${TIME_FORMS}`);
  if (d.getTime() > now.getTime()) {
    const hint = CLOCK.test(value.trim()) ? `; for yesterday write ${localText(new Date(d.getTime() - UNIT_MS.d)).slice(0, 16)}` : '';
    throw new UsageError(`--${name} ${value} is ${localText(d)}, in the future (now ${localText(now)})${hint}`);
  }
  return d;
}

function parse(value: string, now: Date): Date | undefined {
  const clock = CLOCK.exec(value);
  if (clock) {
    const [h, m, s] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    if (h > 23 || m > 59 || s > 59) return undefined;
    return new Date(now.getFullYear(), now.getMonth(), now.getDate(), h, m, s);
  }
  const ago = AGO.exec(value);
  if (ago) return new Date(now.getTime() - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS]);
  const local = LOCAL_DATE_TIME.exec(value);
  if (local) {
    const [y, mo, d, h, mi, s, ms] = local.slice(1).map((v) => Number(v ?? 0));
    const date = new Date(y, mo - 1, d, h, mi, s, ms);
    // new Date rolls 2026-02-31 over into March: refuse what the calendar does not have.
    return date.getMonth() === mo - 1 && date.getDate() === d && h <= 23 && mi <= 59 && s <= 59 ? date : undefined;
  }
  // An explicit zone: Z or ±HH:MM after a date-time.
  if (/^\d{4}-\d{2}-\d{2}T\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return new Date(value);
  return undefined;
}
