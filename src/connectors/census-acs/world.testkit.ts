import type { LngLat } from '../../core/domain/geo';
import type { CensusAreaFigures } from '../../core/domain/records';
import { listWorld } from '../../emulators/list-world';
import type { World, WorldBuilding, WorldTract } from '../../emulators/world';

/**
 * A World of four census tracts in two Texas counties for the ACS tests: full figures, a tract
 * whose medians Census withholds (sentinels), a tract without housing, and houses carrying two
 * postcodes so ZCTAs exist.
 */

const square = (west: number, south: number, size: number): LngLat[] => [
  [west, south],
  [west + size, south],
  [west + size, south + size],
  [west, south + size],
  [west, south],
];

function tract(county: string, code: string, countyName: string, west: number, figures: Partial<CensusAreaFigures>): WorldTract {
  const geoid = `48${county}${code}`;
  const name = `Census Tract ${Number(code.slice(0, 4))}.${code.slice(4)}, ${countyName} County, Texas`;
  return {
    geoid,
    stateFips: '48',
    countyFips: county,
    tractCode: code,
    name,
    ring: square(west, 33.0, 0.01),
    figures: {
      geoid,
      geography: 'tract',
      name,
      vintage: 2022,
      medianHouseholdIncomeUsd: null,
      medianYearBuilt: null,
      medianHomeValueUsd: null,
      ownerOccupiedUnits: null,
      renterOccupiedUnits: null,
      ...figures,
    },
  };
}

export const ACS_TEST_TRACTS: WorldTract[] = [
  tract('085', '031611', 'Collin', -96.74, { medianHouseholdIncomeUsd: 96_250, medianYearBuilt: 1986, medianHomeValueUsd: 341_800, ownerOccupiedUnits: 1_412, renterOccupiedUnits: 388 }),
  tract('085', '031612', 'Collin', -96.73, { medianHouseholdIncomeUsd: 71_030, medianYearBuilt: 1974, medianHomeValueUsd: 2_000_001, ownerOccupiedUnits: 903, renterOccupiedUnits: 1_120 }),
  // Census withholds the medians here (too few samples): the emulator writes -666666666.
  tract('085', '980100', 'Collin', -96.72, { ownerOccupiedUnits: 0, renterOccupiedUnits: 0 }),
  tract('121', '021704', 'Denton', -96.71, { medianHouseholdIncomeUsd: 120_400, medianYearBuilt: 2004, medianHomeValueUsd: 455_000, ownerOccupiedUnits: 2_210, renterOccupiedUnits: 305 }),
];

function house(index: number, west: number, postcode: string): WorldBuilding {
  const lng = west + 0.002 + index * 0.0005;
  const lat = 33.005;
  return {
    osmWayId: 700_000_000 + Math.round((west + 97) * 1e5) + index,
    nodeIds: [1, 2, 3, 4, 1].map((n) => 7_000_000_000 + index * 10 + n),
    ring: square(lng - 0.00005, lat - 0.00005, 0.0001),
    centroid: { lat, lng },
    tags: { building: 'house', 'addr:housenumber': String(100 + index), 'addr:street': 'Elm Street', 'addr:postcode': postcode },
  };
}

export function acsTestWorld(): World {
  return listWorld({
    name: 'ACS test counties',
    bbox: [-96.75, 32.99, -96.69, 33.02],
    tracts: ACS_TEST_TRACTS,
    buildings: [
      ...[0, 1, 2].map((i) => house(i, -96.74, '75074')),
      ...[0, 1].map((i) => house(i, -96.73, '75074')),
      ...[0, 1].map((i) => house(i, -96.71, '75034')),
    ],
  });
}
