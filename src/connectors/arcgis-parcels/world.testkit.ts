import type { BBox, LatLng, LngLat } from '../../core/domain/geo';
import { listWorld } from '../../emulators/list-world';
import type { World, WorldParcel, WorldPermit, WorldPropertyRecord } from '../../emulators/world';

/**
 * A small hand-made World for the parcel, permit and property-record connector tests: a grid of
 * lots on a few streets, every fourth one with a re-roof permit, one paid record per lot. Its
 * values vary lot by lot so a test can tell records apart.
 */

export interface TestWorldOptions {
  /** Lots along each of `streets` streets (default 10 × 3 = 30). */
  lotsPerStreet?: number;
  streets?: number;
}

const ORIGIN: LatLng = { lat: 30.26, lng: -97.75 };
const LOT_DEG = 0.0004;
const STREET_NAMES = ['Oak St', 'Elm Ave', 'Pecan Dr', 'Cedar Ln', 'Willow Way', 'Maple Ct'];

const rect = (west: number, south: number, size: number): LngLat[] => [
  [west, south],
  [west + size, south],
  [west + size, south + size],
  [west, south + size],
  [west, south],
];

export function testWorld(options: TestWorldOptions = {}): World {
  const lots = options.lotsPerStreet ?? 10;
  const streets = Math.min(STREET_NAMES.length, options.streets ?? 3);
  const parcels: WorldParcel[] = [];
  const permits: WorldPermit[] = [];
  const records: WorldPropertyRecord[] = [];
  for (let s = 0; s < streets; s += 1) {
    for (let i = 0; i < lots; i += 1) {
      const n = s * lots + i;
      const west = ORIGIN.lng + i * LOT_DEG;
      const south = ORIGIN.lat + s * LOT_DEG * 2;
      const lotSize = LOT_DEG * 0.9;
      const centroid = { lat: south + lotSize / 2, lng: west + lotSize / 2 };
      const houseNumber = String(100 + i * 2);
      const street = STREET_NAMES[s]!;
      const address = { houseNumber, street, unit: null, city: 'Austin', state: 'TX', postcode: '78701' };
      const yearBuilt = n % 7 === 3 ? null : 1950 + ((n * 3) % 70);
      parcels.push({
        parcelId: `02-${String(1000 + n)}`,
        ring: rect(west, south, lotSize),
        centroid,
        siteAddress: address,
        yearBuilt,
        assessedValueUsd: n % 5 === 4 ? null : 150_000 + n * 1_000,
        marketValueUsd: 180_000 + n * 1_250,
        homestead: n % 3 !== 0,
        landUse: n % 10 === 9 ? 'Commercial' : 'Single Family Residential',
        livingAreaSqft: 1_200 + n * 10,
        ownerName: `Owner Person ${n}`,
      });
      if (n % 4 === 1) {
        permits.push({
          permitNumber: `BP-2024-${String(n).padStart(5, '0')}`,
          issuedAt: `2024-0${1 + (n % 9)}-1${n % 10}T14:30:00.000Z`,
          description: n % 8 === 1 ? 'Re-roof: tear off and replace asphalt shingles' : 'REROOF 24 SQ COMP SHINGLE',
          workClass: 'Re-Roof',
          isRoofing: true,
          valuationUsd: 9_000 + n * 100,
          address,
          location: centroid,
        });
      } else if (n % 4 === 2) {
        permits.push({
          permitNumber: `BP-2024-${String(n).padStart(5, '0')}`,
          issuedAt: `2023-1${n % 3}-0${1 + (n % 9)}T09:00:00.000Z`,
          description: 'Kitchen remodel, new cabinets',
          workClass: 'Remodel',
          isRoofing: false,
          valuationUsd: n % 8 === 2 ? null : 25_000,
          address,
          location: centroid,
        });
      }
      records.push({
        recordId: String(150_000_000 + n),
        address,
        location: centroid,
        yearBuilt: yearBuilt ?? 1985,
        roofMaterial: n % 2 === 0 ? 'Composition Shingle' : 'Metal',
        roofInstalledYear: Math.min((yearBuilt ?? 1985) + 20, 2024),
        marketValueUsd: 200_000 + n * 2_000,
        ownerOccupied: n % 3 !== 0,
        livingAreaSqft: 1_400 + n * 12,
        stories: 1 + (n % 2),
      });
    }
  }
  const bbox: BBox = [ORIGIN.lng - 0.001, ORIGIN.lat - 0.001, ORIGIN.lng + lots * LOT_DEG + 0.001, ORIGIN.lat + streets * LOT_DEG * 2 + 0.001];
  return listWorld({ name: 'Test Heights', bbox, parcels, permits, propertyRecords: records });
}
