import { z } from 'zod';
import { censusAreaFiguresSchema, type CensusAreaFigures } from '../domain/records';
import { nowIso, statement, writeTransaction, type Db } from './database';
import { parseInput, parseRow } from './errors';
import { payloadHash } from './payload-hash';

/**
 * ACS 5-year figures per census area (tract, block group, ZCTA, county): a local cache of public
 * data. A newer vintage replaces an older one; an older vintage never replaces a newer one.
 *
 *   upsertCensusAreas(db, areas, { source, fetchedAt? }) → { inserted, updated, unchanged }
 *   getCensusArea(db, geoid)                             → StoredCensusArea | null
 *   censusAreasByGeoid(db, geoids)                       → Map<geoid, StoredCensusArea>
 *
 * Properties link to an area with setPropertyCensusArea (properties.ts), which also updates their
 * completeness; figures arriving later are picked up by refreshPropertyCompleteness.
 */

const storedSchema = z
  .object({
    geoid: z.string(),
    geography: z.enum(['tract', 'block-group', 'zcta', 'county']),
    vintage: z.number().int(),
    name: z.string().nullable(),
    figures: z.string(),
    fetched_at: z.string(),
    source: z.string(),
  })
  .transform((row, ctx) => {
    let figures: unknown;
    try {
      figures = JSON.parse(row.figures);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'figures are not JSON' });
      return z.NEVER;
    }
    const parsed = censusAreaFiguresSchema.safeParse(figures);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: 'figures are not census figures' });
      return z.NEVER;
    }
    return { ...parsed.data, fetchedAt: row.fetched_at, source: row.source };
  });
export type StoredCensusArea = z.output<typeof storedSchema>;

export interface CensusUpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export function upsertCensusAreas(db: Db, areas: readonly CensusAreaFigures[], options: { source: string; fetchedAt?: string }): CensusUpsertCounts {
  const valid = areas.map((area) => parseInput(censusAreaFiguresSchema, area, 'census area'));
  const held = statement(db, 'SELECT vintage, figures FROM census_areas WHERE geoid = ?');
  const write = statement(
    db,
    `INSERT INTO census_areas (geoid, geography, vintage, name, figures, fetched_at, source) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (geoid) DO UPDATE SET geography = excluded.geography, vintage = excluded.vintage, name = excluded.name,
       figures = excluded.figures, fetched_at = excluded.fetched_at, source = excluded.source`,
  );
  return writeTransaction(db, () => {
    const counts: CensusUpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
    const fetchedAt = options.fetchedAt ?? nowIso();
    for (const area of valid) {
      const previous = held.get(area.geoid) as { vintage: number; figures: string } | undefined;
      if (previous && (previous.vintage > area.vintage || payloadHash(JSON.parse(previous.figures)) === payloadHash(area))) {
        counts.unchanged += 1;
        continue;
      }
      write.run(area.geoid, area.geography, area.vintage, area.name, JSON.stringify(area), fetchedAt, options.source);
      if (previous) counts.updated += 1;
      else counts.inserted += 1;
    }
    return counts;
  });
}

export function getCensusArea(db: Db, geoid: string): StoredCensusArea | null {
  const row = statement(db, 'SELECT * FROM census_areas WHERE geoid = ?').get(geoid);
  return row === undefined ? null : parseRow(storedSchema, row, 'census area');
}

export function censusAreasByGeoid(db: Db, geoids: readonly string[]): Map<string, StoredCensusArea> {
  const rows = statement(db, 'SELECT * FROM census_areas WHERE geoid IN (SELECT value FROM json_each(?))').all(JSON.stringify(geoids));
  return new Map(rows.map((row) => parseRow(storedSchema, row, 'census area')).map((area) => [area.geoid, area]));
}
