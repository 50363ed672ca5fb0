import type { LngLat } from '../core/domain/geo';
import { listWorld } from './list-world';
import type { World, WorldBuilding, WorldParcel, WorldPropertyRecord, WorldTract } from './world';

/**
 * A hand-written World of one short street (six houses, one census tract) for tests and for
 * `fishmouth emulators` when no demo territory is asked for. Fictional addresses on a real-looking
 * grid in Plano, Texas.
 */

const STREET = 'Maple Avenue';
const CITY = 'Plano';
const POSTCODE = '75074';
const ORIGIN = { lat: 33.02, lng: -96.7 };
const LOT_DEG_LNG = 0.0002;
const HALF = 0.00006;

const TRACT: WorldTract = {
  geoid: '48085031611',
  stateFips: '48',
  countyFips: '085',
  tractCode: '031611',
  name: 'Census Tract 316.11, Collin County, Texas',
  ring: [
    [-96.705, 33.015],
    [-96.69, 33.015],
    [-96.69, 33.025],
    [-96.705, 33.025],
    [-96.705, 33.015],
  ],
  figures: {
    geoid: '48085031611',
    geography: 'tract',
    name: 'Census Tract 316.11, Collin County, Texas',
    vintage: 2022,
    medianHouseholdIncomeUsd: 96_250,
    medianYearBuilt: 1986,
    medianHomeValueUsd: 341_800,
    ownerOccupiedUnits: 1_412,
    renterOccupiedUnits: 388,
  },
};

const square = (lat: number, lng: number, half: number): LngLat[] => [
  [lng - half, lat - half],
  [lng + half, lat - half],
  [lng + half, lat + half],
  [lng - half, lat + half],
  [lng - half, lat - half],
];

function house(index: number): { building: WorldBuilding; parcel: WorldParcel; record: WorldPropertyRecord } {
  const lat = ORIGIN.lat;
  const lng = Math.round((ORIGIN.lng + index * LOT_DEG_LNG) * 1e7) / 1e7;
  const number = String(1201 + index * 2);
  const address = { houseNumber: number, street: STREET, unit: null, city: CITY, state: 'TX', postcode: POSTCODE };
  const yearBuilt = 1978 + index * 4;
  const roofMaterial = index % 2 === 0 ? 'asphalt_shingle' : 'metal';
  const ring = square(lat, lng, HALF);
  const building: WorldBuilding = {
    osmWayId: 900_000_001 + index,
    nodeIds: [1, 2, 3, 4, 1].map((n) => 9_000_000_000 + index * 10 + n),
    ring,
    centroid: { lat, lng },
    tags: {
      building: 'house',
      'addr:housenumber': number,
      'addr:street': STREET,
      'addr:city': CITY,
      'addr:state': 'TX',
      'addr:postcode': POSTCODE,
      'roof:material': roofMaterial === 'metal' ? 'metal' : 'roof_tiles',
      start_date: String(yearBuilt),
    },
  };
  const parcel: WorldParcel = {
    parcelId: `R-${6500 + index}-000-0010-1`,
    ring: square(lat, lng, HALF * 1.6),
    centroid: { lat, lng },
    siteAddress: address,
    yearBuilt,
    assessedValueUsd: 250_000 + index * 12_500,
    marketValueUsd: 275_000 + index * 13_000,
    homestead: index % 3 !== 0,
    landUse: 'Single Family Residential',
    livingAreaSqft: 1_800 + index * 120,
    ownerName: `Sample Owner ${index + 1}`,
  };
  const record: WorldPropertyRecord = {
    recordId: `PR-${100_000 + index}`,
    address,
    location: { lat, lng },
    yearBuilt,
    roofMaterial,
    roofInstalledYear: index % 2 === 0 ? 2009 : yearBuilt,
    marketValueUsd: parcel.marketValueUsd!,
    ownerOccupied: parcel.homestead,
    livingAreaSqft: parcel.livingAreaSqft!,
    stories: index % 3 === 0 ? 2 : 1,
  };
  return { building, parcel, record };
}

export function tinyWorld(): World {
  const houses = Array.from({ length: 6 }, (_, index) => house(index));
  return listWorld({
    name: 'Tiny test street (Maple Avenue, Plano TX)',
    bbox: [-96.705, 33.015, -96.69, 33.025],
    buildings: houses.map((h) => h.building),
    parcels: houses.map((h) => h.parcel),
    propertyRecords: houses.map((h) => h.record),
    tracts: [TRACT],
  });
}
