import { bboxSchema, type BBox } from '../../core/domain/geo';
import { RpcError } from '../../core/rpc/protocol';
import { getTerritory, listTerritories, type AreaGeometry, type Db, type Territory } from '../../core/store';
import { isUuid } from '../../core/ids';

/**
 * Which territory a scan names, and the box around it. A name matches case-insensitively; an id
 * matches exactly. Errors are 'bad-input' with what to do.
 */

export function findTerritory(db: Db, nameOrId: string): Territory {
  const wanted = nameOrId.trim();
  const byId = isUuid(wanted) ? getTerritory(db, wanted.toLowerCase()) : null;
  if (byId) return byId;
  const all = listTerritories(db);
  const matches = all.filter((territory) => territory.name.localeCompare(wanted, undefined, { sensitivity: 'accent' }) === 0);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new RpcError('bad-input', `${matches.length} territories are called "${wanted}"; name one by its id.`);
  const names = all.slice(0, 8).map((territory) => `"${territory.name}"`);
  throw new RpcError(
    'bad-input',
    all.length === 0
      ? `There is no territory called "${wanted}": none is saved yet. Draw one on the map, or scan a box with --bbox W,S,E,N.`
      : `There is no territory called "${wanted}". Saved territories: ${names.join(', ')}${all.length > names.length ? ', …' : ''}.`,
  );
}

/** The box around an area, refused when it is larger than a scan may cover. */
export function boxAround(geometry: AreaGeometry, label: string): BBox {
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  for (const rings of polygons) {
    for (const position of rings[0] ?? []) {
      west = Math.min(west, position[0]!);
      east = Math.max(east, position[0]!);
      south = Math.min(south, position[1]!);
      north = Math.max(north, position[1]!);
    }
  }
  const parsed = bboxSchema.safeParse([west, south, east, north]);
  if (!parsed.success) throw new RpcError('bad-input', `${label} cannot be scanned: ${parsed.error.issues[0]!.message}. Split it into smaller territories.`);
  return parsed.data;
}
