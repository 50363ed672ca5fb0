/**
 * Budget days: a daily budget resets at midnight in the team's time zone, not at UTC midnight.
 *
 *   budgetDay(at, timeZone)            → 'YYYY-MM-DD', the calendar day `at` falls on in that zone
 *   budgetDayBounds(day, timeZone)     → { start, end }: the instants that day begins and ends
 *                                        (23 or 25 hours long across a DST change)
 *   isValidTimeZone(name)              → true for any IANA zone this runtime's Intl knows
 *
 * Note: Intl does the zone arithmetic, so DST and historical offset changes are handled by the
 * tz database shipped with Node, never by fixed offsets of our own.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function dayFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // Throws RangeError for an unknown zone; settings validate the zone before it gets here.
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(name: string): boolean {
  if (typeof name !== 'string' || name.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export function budgetDay(at: Date, timeZone: string): string {
  const time = at.getTime();
  if (!Number.isFinite(time)) throw new RangeError(`Cannot tell the budget day of an invalid date (${String(at)}).`);
  const parts = dayFormatter(timeZone).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
}

const DAY_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A valid 'YYYY-MM-DD' calendar date (not 2025-02-30). */
export function isBudgetDay(text: string): boolean {
  const match = DAY_TEXT.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/**
 * The first instant of `day` in `timeZone` and the first instant of the next day. Used to project
 * a day's total and to pick a day's rows by time.
 */
export function budgetDayBounds(day: string, timeZone: string): { start: Date; end: Date } {
  if (!isBudgetDay(day)) throw new RangeError(`"${day}" is not a calendar day written as YYYY-MM-DD.`);
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return { start: startOfDay(day, timeZone), end: startOfDay(next, timeZone) };
}

/**
 * The earliest instant whose budget day is `day`. Zones are at most ±14 h from UTC, so the
 * answer lies within a 2-day window around UTC midnight; a binary search on minutes finds it
 * exactly, whatever odd offsets (e.g. +05:45) or DST rules the zone has.
 */
function startOfDay(day: string, timeZone: string): Date {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  let low = utcMidnight - 15 * 3_600_000; // budget day is before `day` here
  let high = utcMidnight + 15 * 3_600_000; // and `day` or later here
  while (high - low > 60_000) {
    const middle = low + Math.floor((high - low) / 120_000) * 60_000;
    if (budgetDay(new Date(middle), timeZone) < day) low = middle;
    else high = middle;
  }
  return new Date(high);
}
