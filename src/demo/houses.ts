import type { LatLng, LngLat } from '../core/domain/geo';
import { LOT_DEPTH_M, LOT_WIDTH_M, type GridLayout, type LotSlot } from './layout';
import { Stream, round7 } from './random';

/**
 * One demo house, generated from (seed, index) alone: its footprint on its lot, its age from its
 * neighbourhood's era, its roof history, value and occupancy, and which facts each public source
 * happens to be missing (as real county rolls and OSM are incomplete).
 */

/** Blocks per neighbourhood (one development era) and per census tract (two neighbourhoods). */
export const NEIGHBOURHOOD_BLOCKS = { cols: 3, rows: 4 } as const;
export const TRACT_BLOCKS = { cols: 3, rows: 8 } as const;
/** The permit portal's history starts here: older re-roofs left no online permit. */
export const PERMIT_HISTORY_START_YEAR = 2010;

export const ROOF_MATERIALS = ['Composition shingle', 'Architectural shingle', 'Concrete tile', 'Clay tile', 'Metal', 'Wood shake'] as const;
export type RoofMaterial = (typeof ROOF_MATERIALS)[number];

export interface Neighbourhood {
  key: string;
  /** The year its builder started; houses follow within a few years. */
  eraYear: number;
  /** Income and value level, 1 = the area's typical. */
  affluence: number;
  /** Share of homes lived in by their owner. */
  ownerShare: number;
}

export interface DemoHouse {
  index: number;
  slot: LotSlot;
  houseNumber: number;
  /** Closed ring [lng, lat]: a rectangle or an L, rotated with the street. */
  ring: LngLat[];
  centroid: LatLng;
  footprintSqm: number;
  stories: 1 | 2;
  livingAreaSqft: number;
  yearBuilt: number;
  roofMaterial: RoofMaterial;
  /** The year of the last roof, or the build year. */
  roofInstalledYear: number;
  /** A re-roof with a permit on file, as an ISO date (YYYY-MM-DD), or null. */
  reroofPermitDate: string | null;
  marketValueUsd: number;
  ownerOccupied: boolean;
  buildingTag: 'house' | 'detached' | 'yes';
  /** What the free sources lack for this house (the demo's reason to pay for some records). */
  gaps: {
    osmAddress: boolean;
    parcel: boolean;
    parcelYearBuilt: boolean;
    parcelValue: boolean;
    parcelLivingArea: boolean;
  };
  /** A non-roofing permit on file (pool, fence, solar…), or null. */
  otherPermit: { kind: OtherPermitKind; date: string } | null;
}

export type OtherPermitKind = 'pool' | 'fence' | 'remodel' | 'solar' | 'hvac' | 'foundation';

export function neighbourhoodOf(seed: number, slot: LotSlot, asOfYear: number): Neighbourhood {
  const col = Math.floor(slot.blockCol / NEIGHBOURHOOD_BLOCKS.cols);
  const row = Math.floor(slot.blockRow / NEIGHBOURHOOD_BLOCKS.rows);
  const stream = new Stream(seed, 'neighbourhood', col * 100_003 + row);
  // North Dallas suburbs grew from the late 1960s; a few subdivisions are still being built.
  const eraYear = stream.weighted<[number, number]>([
    [[1968, 1984], 0.22],
    [[1985, 1999], 0.38],
    [[2000, 2012], 0.3],
    [[2013, Math.max(2014, asOfYear - 3)], 0.1],
  ]);
  return {
    key: `${col}:${row}`,
    eraYear: stream.int(eraYear[0], eraYear[1]),
    affluence: round2(stream.between(0.72, 1.55)),
    ownerShare: round2(stream.between(0.55, 0.93)),
  };
}

/** The day the world is generated for: nothing in it happens later. */
export interface AsOfDay {
  year: number;
  month: number;
  day: number;
}

export function generateHouse(seed: number, layout: GridLayout, index: number, asOf: AsOfDay): DemoHouse {
  const asOfYear = asOf.year;
  const slot = layout.slot(index);
  const hood = neighbourhoodOf(seed, slot, asOfYear);
  const s = new Stream(seed, 'house', index);

  const yearBuilt = Math.min(asOfYear - 1, hood.eraYear + Math.round(Math.abs(s.normal()) * 2.5));
  const stories: 1 | 2 = s.chance(yearBuilt >= 1990 ? 0.45 : 0.2) ? 2 : 1;

  // Footprint: set back from the street, roughly centred on the lot.
  const width = s.between(12.5, 16.5);
  const depth = s.between(11.5, 16.5);
  const setback = s.between(7, 9.5);
  const [lu0, lv0, lu1, lv1] = layout.lotBounds(slot);
  const uMid = (lu0 + lu1) / 2 + s.between(-0.8, 0.8);
  const u0 = uMid - width / 2;
  const u1 = uMid + width / 2;
  const facesDown = slot.row === 0;
  const v0 = facesDown ? lv0 + setback : lv1 - setback - depth;
  const v1 = v0 + depth;
  const lShaped = s.chance(0.35);
  const notchU = width * s.between(0.3, 0.45);
  const notchV = depth * s.between(0.3, 0.45);
  const notchEast = s.chance(0.5);
  let footprintSqm = width * depth;
  const rectangle: Array<[number, number]> = [[u0, v0], [u1, v0], [u1, v1], [u0, v1]];
  let localRing = rectangle;
  if (lShaped) {
    footprintSqm -= notchU * notchV;
    // The notch is cut from a back corner (away from the street): the corner is replaced by a
    // point on its incoming edge, the notch's inner corner and a point on its outgoing edge, so
    // the ring stays counter-clockwise.
    const cu = notchEast ? u1 : u0;
    const cv = facesDown ? v1 : v0;
    const innerU = notchEast ? u1 - notchU : u0 + notchU;
    const innerV = facesDown ? v1 - notchV : v0 + notchV;
    const at = rectangle.findIndex(([u, v]) => u === cu && v === cv);
    const previous = rectangle[(at + 3) % 4]!;
    const next = rectangle[(at + 1) % 4]!;
    const onEdge = (other: [number, number]): [number, number] => (other[1] === cv ? [innerU, cv] : [cu, innerV]);
    localRing = [...rectangle.slice(0, at), onEdge(previous), [innerU, innerV], onEdge(next), ...rectangle.slice(at + 1)];
  }
  const ring = localRing.map(([u, v]) => layout.toLngLat(u, v));
  ring.push(ring[0]!);
  const centre = layout.toLngLat((u0 + u1) / 2, (v0 + v1) / 2);

  const livingAreaSqft = Math.round((footprintSqm * stories * 10.7639 * s.between(0.82, 0.92)) / 10) * 10;

  const roofMaterial = s.weighted<RoofMaterial>([
    ['Composition shingle', yearBuilt < 2000 ? 0.6 : 0.3],
    ['Architectural shingle', yearBuilt < 2000 ? 0.2 : 0.52],
    ['Concrete tile', 0.06],
    ['Clay tile', 0.03],
    ['Metal', 0.04],
    ['Wood shake', yearBuilt < 1985 ? 0.07 : 0.005],
  ]);
  // Texas hail wears roofs out in 15–28 years; most old houses have had at least one new roof.
  let roofInstalledYear = yearBuilt;
  for (;;) {
    const lifespan = s.int(15, 28);
    if (roofInstalledYear + lifespan >= asOfYear) break;
    roofInstalledYear += lifespan;
  }
  const reroofed = roofInstalledYear > yearBuilt;
  const permitted = reroofed && roofInstalledYear >= PERMIT_HISTORY_START_YEAR && s.chance(0.8);
  const reroofPermitDate = permitted ? dateInYear(s, roofInstalledYear, asOf) : null;

  const perSqft = (105 + Math.max(0, yearBuilt - 1965) * 1.7) * hood.affluence;
  const land = 42_000 * hood.affluence;
  const marketValueUsd = Math.round((livingAreaSqft * perSqft * s.between(0.92, 1.08) + land) / 1000) * 1000;
  const ownerOccupied = s.chance(hood.ownerShare);

  const recent = yearBuilt >= asOfYear - 2;
  const otherKind = s.weighted<OtherPermitKind | null>([
    [null, 0.9],
    ['pool', 0.025],
    ['fence', 0.025],
    ['remodel', 0.02],
    ['solar', 0.012],
    ['hvac', 0.012],
    ['foundation', 0.006],
  ]);
  const firstOtherYear = Math.max(PERMIT_HISTORY_START_YEAR, yearBuilt + 1);
  const otherYear = firstOtherYear <= asOfYear ? s.int(firstOtherYear, asOfYear) : null;
  return {
    index,
    slot,
    houseNumber: layout.houseNumber(slot),
    ring,
    centroid: { lat: centre[1], lng: centre[0] },
    footprintSqm: round2(footprintSqm),
    stories,
    livingAreaSqft,
    yearBuilt,
    roofMaterial,
    roofInstalledYear,
    reroofPermitDate,
    marketValueUsd,
    ownerOccupied,
    buildingTag: s.weighted<DemoHouse['buildingTag']>([
      ['house', 0.75],
      ['detached', 0.15],
      ['yes', 0.1],
    ]),
    gaps: {
      osmAddress: s.chance(0.03),
      // New construction is often not on the county roll yet.
      parcel: s.chance(recent ? 0.5 : 0.025),
      parcelYearBuilt: s.chance(0.06),
      parcelValue: s.chance(0.015),
      parcelLivingArea: s.chance(0.02),
    },
    otherPermit: otherKind && otherYear !== null ? { kind: otherKind, date: dateInYear(s, otherYear, asOf) } : null,
  };
}

/** A date in `year` not after the as-of day (days 1–28, so every month works), as YYYY-MM-DD. */
function dateInYear(s: Stream, year: number, asOf: AsOfDay): string {
  const lastMonth = year < asOf.year ? 12 : asOf.month;
  const month = s.int(1, lastMonth);
  const day = s.int(1, year === asOf.year && month === asOf.month ? Math.min(28, asOf.day) : 28);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The lot's own ring (the parcel), [lng, lat]. */
export function lotRing(layout: GridLayout, slot: LotSlot): LngLat[] {
  const [u0, v0, u1, v1] = layout.lotBounds(slot);
  return layout.ring(u0, v0, u1, v1);
}

export const LOT_AREA_SQFT = Math.round(LOT_WIDTH_M * LOT_DEPTH_M * 10.7639);
export { round7 };
