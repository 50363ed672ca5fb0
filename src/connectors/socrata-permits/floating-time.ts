/**
 * SODA's floating timestamps ("2016-09-21T15:45:00.000": wall-clock time, no zone) to UTC, and
 * back, in a named IANA zone. Intl does the zone arithmetic, so DST and historical offsets come
 * from the tz database shipped with Node, never from fixed offsets of our own.
 *
 *   floatingToUtc(text, zone)   → ISO instant with 'Z', or null for text that is not a timestamp
 *   utcToFloating(instant, zone) → "YYYY-MM-DDTHH:MM:SS.mmm" as SODA writes it
 *
 * Note: in the autumn DST overlap a wall-clock time happens twice; the earlier instant is taken.
 * In the spring gap a time that never happened is read as the instant an hour later.
 */

const FLOATING = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;
const ZONED = /(?:Z|[+-]\d{2}:?\d{2})$/i;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, format);
  }
  return format;
}

function wallClock(instantMs: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts = formatter(timeZone).formatToParts(new Date(instantMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour') % 24, minute: get('minute'), second: get('second') };
}

/** The zone's offset from UTC at an instant, in ms (whole seconds). */
function offsetMs(instantMs: number, timeZone: string): number {
  const wall = wallClock(instantMs, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}

export function floatingToUtc(text: string, timeZone: string): string | null {
  const trimmed = text.trim();
  if (ZONED.test(trimmed)) {
    // A fixed timestamp (SODA's other date type) already names its zone.
    const ms = Date.parse(trimmed);
    return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  }
  const match = FLOATING.exec(trimmed);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const millis = Number((match[7] ?? '0').padEnd(3, '0').slice(0, 3));
  if (year < 1800 || year > 2100 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2023-02-30 over to March; a real date round-trips.
  if (new Date(wall).getUTCDate() !== day) return null;
  return new Date(wall - zoneOffsetAtWall(wall, timeZone) + millis).toISOString();
}

// Intl is slow (microseconds a call) and a page of permits repeats the same few wall times.
const offsetCache = new Map<string, number>();
const OFFSET_CACHE_SIZE = 20_000;

/** The zone's offset for a wall-clock time (whole seconds, as UTC ms). */
function zoneOffsetAtWall(wall: number, timeZone: string): number {
  const key = `${timeZone}|${wall}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  // Two passes: the offset at the guessed instant, then at the corrected one (DST edges).
  let instant = wall - offsetMs(wall, timeZone);
  instant = wall - offsetMs(instant, timeZone);
  const back = wallClock(instant - 3_600_000, timeZone);
  // In the autumn overlap the same wall time also occurred an hour earlier: take the first.
  if (Date.UTC(back.year, back.month - 1, back.day, back.hour, back.minute, back.second) === wall) instant -= 3_600_000;
  if (offsetCache.size >= OFFSET_CACHE_SIZE) offsetCache.clear();
  offsetCache.set(key, wall - instant);
  return wall - instant;
}

export function utcToFloating(instant: string | Date, timeZone: string): string {
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  const wall = wallClock(ms, timeZone);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}.${pad(((ms % 1000) + 1000) % 1000, 3)}`;
}
