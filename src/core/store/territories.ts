import { z } from 'zod';
import { hlcSchema } from '../hlc';
import { statement, nowIso, type Db } from './database';
import { parseInput, parseRow } from './errors';
import { areaGeometrySchema, type AreaGeometry } from './geojson';
import { writeSynced, type SyncedTable } from './synced';

/**
 * Territories: the areas a rep works, drawn on the map. The first synced table.
 *
 *   createTerritory(db, { name, geometry, id? }) → Territory
 *   renameTerritory(db, id, name)               → Territory   (StoreError 'not-found')
 *   deleteTerritory(db, id)                     → void        (a tombstone that syncs)
 *   getTerritory(db, id)                        → Territory | null
 *   listTerritories(db)                         → Territory[] (live ones, by name)
 */

export const territoryNameSchema = z
  .string()
  .trim()
  .min(1, 'Give the territory a name')
  .max(200, 'Keep the name under 200 characters');

export const territorySchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    geometry: z.string().transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'geometry is not JSON' });
        return z.NEVER;
      }
    }).pipe(areaGeometrySchema),
    created_at: z.string(),
    updated_at: z.string(),
    hlc: hlcSchema,
    device_id: z.string().min(1),
    deleted: z.union([z.literal(0), z.literal(1)]),
  })
  .transform((row) => ({
    id: row.id,
    name: row.name,
    geometry: row.geometry,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    hlc: row.hlc,
    deviceId: row.device_id,
    deleted: row.deleted === 1,
  }));
export type Territory = z.output<typeof territorySchema>;

export const territoriesTable: SyncedTable<Territory> = {
  name: 'territories',
  columns: ['name', 'geometry', 'created_at'],
  kind: 'editable',
  rowSchema: territorySchema,
  label: 'territory',
};

const newTerritorySchema = z.object({
  id: z.string().uuid().optional(),
  name: territoryNameSchema,
  geometry: areaGeometrySchema,
});

export function createTerritory(db: Db, input: { name: string; geometry: AreaGeometry; id?: string }): Territory {
  const valid = parseInput(newTerritorySchema, input, 'territory');
  return writeSynced(db, territoriesTable, 'insert', {
    id: valid.id,
    name: valid.name,
    geometry: valid.geometry,
    created_at: nowIso(),
  });
}

export function renameTerritory(db: Db, id: string, name: string): Territory {
  return writeSynced(db, territoriesTable, 'update', { id, name: parseInput(territoryNameSchema, name, 'territory name') });
}

export function deleteTerritory(db: Db, id: string): void {
  writeSynced(db, territoriesTable, 'delete', { id });
}

export function getTerritory(db: Db, id: string): Territory | null {
  const row = statement(db, 'SELECT * FROM territories WHERE id = ? AND deleted = 0').get(id);
  return row === undefined ? null : parseRow(territorySchema, row, 'territory');
}

export function listTerritories(db: Db): Territory[] {
  return statement(db, 'SELECT * FROM territories WHERE deleted = 0 ORDER BY name COLLATE NOCASE, id')
    .all()
    .map((row) => parseRow(territorySchema, row, 'territory'));
}
