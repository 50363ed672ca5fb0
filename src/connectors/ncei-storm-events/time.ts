/**
 * Storm Events times: BEGIN_DATE_TIME ("09-MAR-19 17:51:00") is the local STANDARD time of the
 * county or zone, named by CZ_TIMEZONE. Since 2007 or so the zone carries its UTC offset in hours
 * ("CST-6", "AKST-9", "GST10" for Guam); older files give a bare abbreviation ("CST", "EDT", some
 * in odd case "CSt"), read from the table below. UTC = local − offset, so 17:51 CST-6 is 23:51Z.
 * The two-digit year takes its century from BEGIN_YEARMONTH ("201903").
 */

const OFFSET_HOURS: Record<string, number> = {
  AST: -4, ADT: -3, EST: -5, EDT: -4, CST: -6, CDT: -5, MST: -7, MDT: -6, PST: -8, PDT: -7,
  AKST: -9, AKDT: -8, HST: -10, SST: -11, GST: 10, CHST: 10, UTC: 0, GMT: 0,
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

export function timeZoneOffsetHours(zone: string): number | null {
  const text = zone.trim().toUpperCase();
  const explicit = /^([A-Z]{1,5})\s*([+-]?\d{1,2})$/.exec(text);
  if (explicit) {
    const hours = Number(explicit[2]);
    return hours >= -12 && hours <= 14 ? hours : null;
  }
  return OFFSET_HOURS[text] ?? null;
}

export function stormEventsTimeToUtc(beginDateTime: string, zone: string, beginYearMonth: string): { utc: string } | { invalid: string } {
  const match = /^(\d{1,2})-([A-Za-z]{3})-(\d{2}) (\d{1,2}):(\d{2}):(\d{2})$/.exec(beginDateTime.trim());
  if (!match) return { invalid: `BEGIN_DATE_TIME "${beginDateTime.slice(0, 30)}" is not a time like 09-MAR-19 17:51:00` };
  const offset = timeZoneOffsetHours(zone);
  if (offset === null) return { invalid: `CZ_TIMEZONE "${zone.slice(0, 20)}" is not a time zone we know` };
  const month = MONTHS.indexOf(match[2]!.toUpperCase());
  const yy = Number(match[3]);
  const yearMonth = /^(\d{4})(\d{2})$/.exec(beginYearMonth.trim());
  // Without BEGIN_YEARMONTH, the files' range (1950 onwards) decides the century.
  const year = yearMonth && Number(yearMonth[1]) % 100 === yy ? Number(yearMonth[1]) : yy >= 50 ? 1900 + yy : 2000 + yy;
  const [day, hours, minutes, seconds] = [Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6])];
  if (month < 0 || day < 1 || day > 31 || hours > 23 || minutes > 59 || seconds > 59) {
    return { invalid: `BEGIN_DATE_TIME "${beginDateTime.slice(0, 30)}" is not a real time` };
  }
  const localAsUtc = Date.UTC(year, month, day, hours, minutes, seconds);
  if (new Date(localAsUtc).getUTCDate() !== day) return { invalid: `BEGIN_DATE_TIME "${beginDateTime.slice(0, 30)}" is not a real date` };
  return { utc: new Date(localAsUtc - offset * 3_600_000).toISOString() };
}

/** The columns of a details row that carry the begin time, for a UTC instant shown in a zone like "CST-6". */
export function stormEventsBeginColumns(utc: string, zone: string): { BEGIN_YEARMONTH: string; BEGIN_DAY: string; BEGIN_TIME: string; BEGIN_DATE_TIME: string; YEAR: string; MONTH_NAME: string } {
  const offset = timeZoneOffsetHours(zone);
  if (offset === null) throw new Error(`"${zone}" is not a Storm Events time zone`);
  const local = new Date(Date.parse(utc) + offset * 3_600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth();
  const day = local.getUTCDate();
  const hours = local.getUTCHours();
  const minutes = local.getUTCMinutes();
  return {
    BEGIN_YEARMONTH: `${year}${pad(month + 1)}`,
    BEGIN_DAY: String(day),
    BEGIN_TIME: String(hours * 100 + minutes),
    BEGIN_DATE_TIME: `${pad(day)}-${MONTHS[month]}-${pad(year % 100)} ${pad(hours)}:${pad(minutes)}:${pad(local.getUTCSeconds())}`,
    YEAR: String(year),
    MONTH_NAME: local.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' }),
  };
}
