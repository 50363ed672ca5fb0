import { z } from 'zod';
import { distanceMeters, metersToDegrees } from '../address';
import type { BBox, LatLng } from '../domain/geo';
import { stormReportSchema, type StormKind, type StormReport } from '../domain/records';
import { newId } from '../ids';
import { nowIso, statement, writeTransaction, type Db } from './database';
import { parseInput, parseRow } from './errors';
import { payloadHash } from './payload-hash';

/**
 * Storm reports (NOAA SPC daily reports, NCEI Storm Events), kept as a local cache of public data
 * with an R*Tree for "what hail fell near this roof". Not synced: any device can fetch them again.
 *
 *   insertStormReports(db, reports)                          → { inserted, updated, unchanged }
 *   stormReportsInBBox(db, bbox, { since?, until?, kinds? }) → newest first
 *   stormReportsNear(db, point, { radiusMeters, since?, kinds? }) → newest first, with distance
 *
 * The same (source, source record id) seen again replaces the stored report only if its content
 * changed (SPC revises preliminary reports), so importing a file twice changes nothing.
 */

const stormRowSchema = z
  .object({
    id: z.string(),
    source: z.string(),
    source_record_id: z.string(),
    kind: z.enum(['hail', 'wind', 'tornado']),
    occurred_at: z.string(),
    lat: z.number(),
    lng: z.number(),
    hail_size_inches: z.number().nullable(),
    wind_speed_knots: z.number().nullable(),
    tornado_scale: z.string().nullable(),
    location: z.string().nullable(),
    county: z.string().nullable(),
    state: z.string().nullable(),
    comments: z.string().nullable(),
  })
  .transform((row) => ({
    id: row.id,
    source: row.source,
    sourceRecordId: row.source_record_id,
    kind: row.kind,
    occurredAt: row.occurred_at,
    lat: row.lat,
    lng: row.lng,
    hailSizeInches: row.hail_size_inches,
    windSpeedKnots: row.wind_speed_knots,
    tornadoScale: row.tornado_scale,
    location: row.location,
    county: row.county,
    state: row.state,
    comments: row.comments,
  }));
export type StoredStormReport = z.output<typeof stormRowSchema>;

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export function stormReportHash(report: StormReport): string {
  const { source: _source, sourceRecordId: _id, ...facts } = report;
  return payloadHash({ ...facts, occurredAt: new Date(report.occurredAt).toISOString() });
}

export function insertStormReports(db: Db, reports: readonly StormReport[]): UpsertCounts {
  const valid = reports.map((report) => parseInput(stormReportSchema, report, 'storm report'));
  const existing = statement(db, 'SELECT payload_hash FROM storm_reports WHERE source = ? AND source_record_id = ?').pluck();
  const insert = statement(
    db,
    `INSERT INTO storm_reports (id, source, source_record_id, kind, occurred_at, lat, lng, hail_size_inches, wind_speed_knots,
       tornado_scale, location, county, state, comments, payload_hash, created_at, updated_at)
     VALUES (@id, @source, @sourceRecordId, @kind, @occurredAt, @lat, @lng, @hailSizeInches, @windSpeedKnots,
       @tornadoScale, @location, @county, @state, @comments, @hash, @now, @now)
     ON CONFLICT (source, source_record_id) DO UPDATE SET
       kind = excluded.kind, occurred_at = excluded.occurred_at, lat = excluded.lat, lng = excluded.lng,
       hail_size_inches = excluded.hail_size_inches, wind_speed_knots = excluded.wind_speed_knots,
       tornado_scale = excluded.tornado_scale, location = excluded.location, county = excluded.county,
       state = excluded.state, comments = excluded.comments, payload_hash = excluded.payload_hash, updated_at = excluded.updated_at`,
  );
  return writeTransaction(db, () => {
    const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
    const now = nowIso();
    for (const report of valid) {
      const hash = stormReportHash(report);
      const held: unknown = existing.get(report.source, report.sourceRecordId);
      if (held === hash) {
        counts.unchanged += 1;
        continue;
      }
      // Note: times are stored as UTC ISO text so that string order is time order.
      insert.run({ ...report, occurredAt: new Date(report.occurredAt).toISOString(), id: newId(), hash, now });
      if (held === undefined) counts.inserted += 1;
      else counts.updated += 1;
    }
    return counts;
  });
}

export interface StormFilter {
  /** ISO instant; reports at or after it. */
  since?: string;
  /** ISO instant; reports before it. */
  until?: string;
  kinds?: readonly StormKind[];
  limit?: number;
}

function boxQuery(db: Db, box: BBox, filter: StormFilter): StoredStormReport[] {
  const [west, south, east, north] = box;
  return statement(
    db,
    `SELECT s.* FROM storm_reports_rtree r JOIN storm_reports s ON s.rid = r.rid
     WHERE r.min_lng <= ? AND r.max_lng >= ? AND r.min_lat <= ? AND r.max_lat >= ?
       AND (? IS NULL OR s.occurred_at >= ?) AND (? IS NULL OR s.occurred_at < ?)
       AND s.kind IN (SELECT value FROM json_each(?))
     ORDER BY s.occurred_at DESC, s.rid LIMIT ?`,
  )
    .all(
      east,
      west,
      north,
      south,
      toUtc(filter.since),
      toUtc(filter.since),
      toUtc(filter.until),
      toUtc(filter.until),
      JSON.stringify(filter.kinds ?? ['hail', 'wind', 'tornado']),
      filter.limit ?? -1,
    )
    .map((row) => parseRow(stormRowSchema, row, 'storm report'));
}

function toUtc(instant: string | undefined): string | null {
  return instant === undefined ? null : new Date(instant).toISOString();
}

export function stormReportsInBBox(db: Db, bbox: BBox, filter: StormFilter = {}): StoredStormReport[] {
  return boxQuery(db, bbox, filter);
}

/** Reports within `radiusMeters` of a point (say, hail within 5 km of a roof), newest first. */
export function stormReportsNear(db: Db, point: LatLng, filter: StormFilter & { radiusMeters: number }): (StoredStormReport & { distanceMeters: number })[] {
  const span = metersToDegrees(filter.radiusMeters, point.lat);
  const box: BBox = [point.lng - span.lng, point.lat - span.lat, point.lng + span.lng, point.lat + span.lat];
  return boxQuery(db, box, { ...filter, limit: undefined })
    .map((report) => ({ ...report, distanceMeters: distanceMeters(point, report) }))
    .filter((report) => report.distanceMeters <= filter.radiusMeters)
    .slice(0, filter.limit ?? Number.POSITIVE_INFINITY);
}
