import type { BBox, LatLng, LngLat } from '../core/domain/geo';
import type { PostalAddress } from '../core/domain/records';
import type { World, WorldBuilding, WorldParcel, WorldPermit, WorldPropertyRecord, WorldStormReport, WorldTract } from './world';

/**
 * A World over plain lists: what tests and the built-in tiny world use when a few hand-written
 * facts are the whole truth (the demo generator builds its own, indexed, for 100,000 houses).
 */

export interface WorldContents {
  name: string;
  bbox: BBox;
  buildings?: WorldBuilding[];
  parcels?: WorldParcel[];
  permits?: WorldPermit[];
  tracts?: WorldTract[];
  stormReports?: WorldStormReport[];
  propertyRecords?: WorldPropertyRecord[];
}

export function listWorld(contents: WorldContents): World {
  const buildings = contents.buildings ?? [];
  const parcels = contents.parcels ?? [];
  const tracts = contents.tracts ?? [];
  const records = contents.propertyRecords ?? [];
  return {
    name: contents.name,
    bbox: contents.bbox,
    buildingsIn: (bbox) => buildings.filter((building) => inBox(building.centroid, bbox)),
    parcelsIn: (bbox) => parcels.filter((parcel) => inBox(parcel.centroid, bbox)),
    permits: () => contents.permits ?? [],
    tracts: () => tracts,
    tractAt: (point) => tracts.find((tract) => inRing(point, tract.ring)) ?? null,
    stormReports: () => contents.stormReports ?? [],
    propertyRecordAt(point, maxMeters = 50) {
      let best: WorldPropertyRecord | null = null;
      let bestMeters = maxMeters;
      for (const record of records) {
        const meters = metersBetween(point, record.location);
        if (meters <= bestMeters) [best, bestMeters] = [record, meters];
      }
      return best;
    },
    propertyRecordByAddress(oneLine) {
      const wanted = addressKey(oneLine);
      return records.find((record) => addressKey(oneLineAddress(record.address)) === wanted) ?? null;
    },
  };
}

export function inBox(point: LatLng, [west, south, east, north]: BBox): boolean {
  return point.lng >= west && point.lng <= east && point.lat >= south && point.lat <= north;
}

/** Ray casting; rings are [lng, lat]. */
export function inRing(point: LatLng, ring: readonly LngLat[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > point.lat !== yj > point.lat && point.lng < ((xj - xi) * (point.lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function metersBetween(a: LatLng, b: LatLng): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** "123 Main St, Springfield, IL 62701" from an address's parts (missing parts left out). */
export function oneLineAddress(address: PostalAddress): string {
  const street = [address.houseNumber, address.street, address.unit ? `#${address.unit}` : null].filter(Boolean).join(' ');
  const region = [address.state, address.postcode].filter(Boolean).join(' ');
  return [street, address.city, region].filter((part) => part && part.length > 0).join(', ');
}

/** Upper-case words of the address, punctuation dropped: enough to match emulator lookups. */
export function addressKey(oneLine: string): string {
  return oneLine
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();
}
