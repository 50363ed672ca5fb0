import Flatbush from 'flatbush';
import { distanceMeters, metersToDegrees } from '../address';
import type { BBox, LatLng } from '../domain/geo';
import type { Db } from '../store/database';
import type { Property } from '../store/property-rows';
import { stormReportsInBBox, stormReportsNear } from '../store/storms';
import type { HailExposure, RoofFacts } from './types';

/**
 * What the records say about a roof: how old it is and what hail fell near it.
 *
 *   roofFacts(db, property, { now, hailRadiusM?, hailWindowMonths?, hailIndex? }) → RoofFacts
 *   roofAge(property, now)                          → { years, source } (no database)
 *   hailIndexFor(db, bbox, { now, radiusM?, windowMonths? }) → HailIndex (once per territory)
 *   hailExposure(index, point)                      → HailExposure (no database)
 *
 * Roof age, first known of: the last roofing permit (a new roof went on that day), the year the
 * roof was installed (paid property records), the year the house was built (the first roof).
 * A year counts from its middle ("built 2002" is 23.0 years old in mid-2025), a permit from its
 * day. A year after `now` or before 1800 is a typo in the source and is passed over; a permit in
 * the future is too. Ages are years with one decimal.
 *
 * Hail exposure: storm reports of kind 'hail' within `hailRadiusM` (default one statute mile,
 * great-circle distance) of the property's point, issued within the last `hailWindowMonths`
 * (default 24 calendar months) up to `now`: the largest size, the nearest distance, the latest
 * time and the count. A report with no size counts in the count, distance and time, not the size.
 *
 * Note: roofFacts alone makes one R*Tree query per property (fine for a few hundred); a scan of
 * a territory builds one HailIndex (a flatbush over the territory's hail in the window, loaded
 * with one query) and passes it in, so 20,000 properties cost 20,000 in-memory searches.
 */

export const HAIL_RADIUS_M = 1609.344;
export const HAIL_WINDOW_MONTHS = 24;
const EARLIEST_YEAR = 1800;
const MS_PER_YEAR = 365.2425 * 86_400_000;

export interface RoofFactsOptions {
  now: Date;
  hailRadiusM?: number;
  hailWindowMonths?: number;
  /** The territory's hail (hailIndexFor); its radius and window are used instead of the two above. */
  hailIndex?: HailIndex;
}

export function roofFacts(db: Db, property: Property, options: RoofFactsOptions): RoofFacts {
  const age = roofAge(property, options.now);
  const point = property.location;
  let hail: HailExposure;
  if (options.hailIndex) {
    hail = point ? hailExposure(options.hailIndex, point) : noHail(options.hailIndex.radiusM, options.hailIndex.windowMonths);
  } else {
    const radiusM = checkedRadius(options.hailRadiusM ?? HAIL_RADIUS_M);
    const windowMonths = checkedWindow(options.hailWindowMonths ?? HAIL_WINDOW_MONTHS);
    hail = point
      ? summarise(
          stormReportsNear(db, point, { radiusMeters: radiusM, kinds: ['hail'], since: windowStart(options.now, windowMonths).toISOString(), until: untilAfter(options.now) }),
          radiusM,
          windowMonths,
        )
      : noHail(radiusM, windowMonths);
  }
  return { roofAgeYears: age.years, roofAgeSource: age.source, material: property.roofMaterial, hail };
}

export function roofAge(property: Pick<Property, 'lastRoofPermitAt' | 'roofInstalledYear' | 'yearBuilt'>, now: Date): { years: number | null; source: RoofFacts['roofAgeSource'] } {
  const nowMs = now.getTime();
  if (property.lastRoofPermitAt) {
    const issued = Date.parse(property.lastRoofPermitAt);
    if (Number.isFinite(issued) && issued <= nowMs && new Date(issued).getUTCFullYear() >= EARLIEST_YEAR) return { years: round1((nowMs - issued) / MS_PER_YEAR), source: 'roof-permit' };
  }
  const fromYear = (year: number | null): number | null => {
    if (year === null || !Number.isInteger(year) || year < EARLIEST_YEAR || year > now.getUTCFullYear()) return null;
    return round1(Math.max(0, (nowMs - Date.UTC(year, 6, 2)) / MS_PER_YEAR));
  };
  const installed = fromYear(property.roofInstalledYear);
  if (installed !== null) return { years: installed, source: 'roof-installed' };
  const built = fromYear(property.yearBuilt);
  if (built !== null) return { years: built, source: 'year-built' };
  return { years: null, source: null };
}

/** The hail of a territory in a window, for many properties' exposure (hailExposure). */
export interface HailIndex {
  readonly radiusM: number;
  readonly windowMonths: number;
  readonly reports: readonly IndexedHail[];
  /** null when the territory had no hail in the window. */
  readonly tree: Flatbush | null;
}

interface IndexedHail {
  lat: number;
  lng: number;
  occurredAt: string;
  hailSizeInches: number | null;
}

export function hailIndexFor(db: Db, bbox: BBox, options: { now: Date; radiusM?: number; windowMonths?: number }): HailIndex {
  const radiusM = checkedRadius(options.radiusM ?? HAIL_RADIUS_M);
  const windowMonths = checkedWindow(options.windowMonths ?? HAIL_WINDOW_MONTHS);
  const [west, south, east, north] = bbox;
  // Note: hail just outside the territory still falls within a mile of the houses on its edge.
  const pad = metersToDegrees(radiusM, Math.max(Math.abs(south), Math.abs(north)));
  const reports = stormReportsInBBox(db, [west - pad.lng, south - pad.lat, east + pad.lng, north + pad.lat], {
    kinds: ['hail'],
    since: windowStart(options.now, windowMonths).toISOString(),
    until: untilAfter(options.now),
  }).map(({ lat, lng, occurredAt, hailSizeInches }) => ({ lat, lng, occurredAt, hailSizeInches }));
  if (reports.length === 0) return { radiusM, windowMonths, reports, tree: null };
  const tree = new Flatbush(reports.length);
  for (const report of reports) tree.add(report.lng, report.lat, report.lng, report.lat);
  tree.finish();
  return { radiusM, windowMonths, reports, tree };
}

export function hailExposure(index: HailIndex, point: LatLng): HailExposure {
  if (index.tree === null) return noHail(index.radiusM, index.windowMonths);
  const span = metersToDegrees(index.radiusM, point.lat);
  const near = index.tree
    .search(point.lng - span.lng, point.lat - span.lat, point.lng + span.lng, point.lat + span.lat)
    .map((i) => ({ ...index.reports[i]!, distanceMeters: distanceMeters(point, index.reports[i]!) }))
    .filter((report) => report.distanceMeters <= index.radiusM);
  return summarise(near, index.radiusM, index.windowMonths);
}

function summarise(reports: readonly (IndexedHail & { distanceMeters: number })[], radiusM: number, windowMonths: number): HailExposure {
  const exposure = noHail(radiusM, windowMonths);
  for (const report of reports) {
    exposure.reports += 1;
    if (report.hailSizeInches !== null) exposure.maxSizeInches = Math.max(exposure.maxSizeInches ?? 0, report.hailSizeInches);
    exposure.nearestM = Math.min(exposure.nearestM ?? Number.POSITIVE_INFINITY, Math.round(report.distanceMeters));
    const at = new Date(report.occurredAt).toISOString();
    if (exposure.lastAt === null || at > exposure.lastAt) exposure.lastAt = at;
  }
  return exposure;
}

function noHail(radiusM: number, windowMonths: number): HailExposure {
  return { maxSizeInches: null, nearestM: null, lastAt: null, reports: 0, radiusM, windowMonths };
}

/** `now` less a number of calendar months (the 31st falls back to the month's last day). */
export function windowStart(now: Date, months: number): Date {
  const start = new Date(now.getTime());
  const day = start.getUTCDate();
  start.setUTCDate(1);
  start.setUTCMonth(start.getUTCMonth() - months);
  const lastDay = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 0)).getUTCDate();
  start.setUTCDate(Math.min(day, lastDay));
  return start;
}

/** The storm query's `until` is exclusive; a report at `now` itself counts. */
function untilAfter(now: Date): string {
  return new Date(now.getTime() + 1).toISOString();
}

function checkedRadius(radiusM: number): number {
  if (!Number.isFinite(radiusM) || radiusM <= 0 || radiusM > 50_000) throw new RangeError(`The hail radius must be between 0 and 50 km, got ${radiusM} m.`);
  return radiusM;
}

function checkedWindow(months: number): number {
  if (!Number.isInteger(months) || months < 1 || months > 240) throw new RangeError(`The hail window must be 1 to 240 whole months, got ${months}.`);
  return months;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
