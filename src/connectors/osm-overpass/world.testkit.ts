import { gunzipSync } from 'node:zlib';
import type { BBox, LngLat } from '../../core/domain/geo';
import { sharedFixtures } from '../../core/testing/fixtures';
import { listWorld } from '../../emulators/list-world';
import type { World, WorldBuilding } from '../../emulators/world';
import { ringCentroid } from './rings';

/**
 * Test worlds for the Overpass emulator: one made from a REAL Overpass answer (its building ways,
 * node ids, rings and tags as mapped), so that the emulator's answer can be compared with the
 * real one record for record.
 */

export const overpassFixtures = sharedFixtures('osm-overpass');

/** A real sample's bytes, unpacked when it is a .gz. */
export function overpassFixture(name: string): Buffer {
  const bytes = overpassFixtures.bytes(name);
  return name.endsWith('.gz') ? gunzipSync(bytes) : bytes;
}

interface RawElement {
  type: string;
  id: number;
  lat?: number;
  lon?: number;
  nodes?: number[];
  tags?: Record<string, string>;
}

/** The building ways of a real Overpass JSON answer as a World. */
export function worldFromOverpassAnswer(name: string, text: string): World {
  const elements = (JSON.parse(text) as { elements: RawElement[] }).elements;
  const nodes = new Map(elements.filter((e) => e.type === 'node').map((n) => [n.id, [n.lon!, n.lat!] as LngLat]));
  const buildings: WorldBuilding[] = elements
    .filter((e) => e.type === 'way' && e.tags?.['building'] !== undefined)
    .map((way) => {
      const ring = way.nodes!.map((id) => nodes.get(id)!);
      return { osmWayId: way.id, nodeIds: way.nodes!, ring, centroid: ringCentroid(ring), tags: way.tags! };
    });
  const lngs = buildings.flatMap((b) => b.ring.map((p) => p[0]));
  const lats = buildings.flatMap((b) => b.ring.map((p) => p[1]));
  const bbox: BBox = [Math.min(...lngs), Math.min(...lats), Math.max(...lngs), Math.max(...lats)];
  return listWorld({ name, bbox, buildings });
}
