import Flatbush from 'flatbush';
import type { BBox, LatLng } from '../core/domain/geo';
import type { PostalAddress } from '../core/domain/records';
import type { World, WorldBuilding, WorldParcel, WorldPermit, WorldPropertyRecord, WorldStormReport, WorldTract } from '../emulators/world';
import { generateHouse, lotRing, type AsOfDay, type DemoHouse } from './houses';
import { GridLayout, LOTS_PER_ROW, type LotSlot } from './layout';
import { addressKey, DEMO_STATE, DEMO_TOWN, streetNames, type StreetName } from './names';
import { buildPermits } from './permits';
import { Stream } from './random';
import { generateStorms, type HailSwath } from './storms';
import { buildTracts, tractCellAt, tractCodeOf, tractGrid } from './tracts';

/**
 * The demo territory: a deterministic suburban town north of Dallas, Texas, served by the loopback
 * emulators as if it were the real OSM, county, permit portal, census, NOAA and property-records
 * services. Same options → byte-identical world.
 *
 *   createDemoWorld({ seed?, properties?, asOf? }) → DemoWorld (implements World)
 *
 * Memory stays bounded at any size: the houses are arithmetic on the street grid plus a seeded
 * stream per house (src/demo/houses.ts), so only a Flatbush index of lot boxes is held per house;
 * tracts, permits and storms are built on first use and kept (a few per cent of the houses).
 */

export const DEFAULT_DEMO_SEED = 4_151_972;
export const DEFAULT_DEMO_PROPERTIES = 2_000;
export const MAX_DEMO_PROPERTIES = 2_000_000;
/** North of Frisco, Texas: open land in the hail belt, where new subdivisions really are built. */
export const DEMO_CENTRE: LatLng = { lat: 33.2285, lng: -96.8712 };
const POSTCODES = ['75031', '75037', '75045'];

export interface DemoWorldOptions {
  seed?: number;
  properties?: number;
  /** The day the world is "today" (YYYY-MM-DD, UTC); storms and permits are dated before it. Default: today. */
  asOf?: string;
}

export class DemoWorld implements World {
  readonly name: string;
  readonly bbox: BBox;
  readonly seed: number;
  readonly propertyCount: number;
  /** YYYY-MM-DD. */
  readonly asOf: string;
  readonly layout: GridLayout;
  private readonly asOfDay: AsOfDay;
  private readonly streets: StreetName[];
  private readonly streetByKey: Map<string, number>;
  private readonly lots: Flatbush;
  private cachedTracts: WorldTract[] | null = null;
  private cachedPermits: WorldPermit[] | null = null;
  private cachedStorms: { swaths: HailSwath[]; reports: WorldStormReport[] } | null = null;

  constructor(options: DemoWorldOptions = {}) {
    this.seed = options.seed ?? DEFAULT_DEMO_SEED;
    this.propertyCount = options.properties ?? DEFAULT_DEMO_PROPERTIES;
    if (!Number.isInteger(this.seed)) throw new RangeError(`The demo seed must be a whole number, got ${this.seed}.`);
    if (!Number.isInteger(this.propertyCount) || this.propertyCount < 1 || this.propertyCount > MAX_DEMO_PROPERTIES) {
      throw new RangeError(`The demo territory holds 1 to ${MAX_DEMO_PROPERTIES.toLocaleString('en-US')} properties, got ${this.propertyCount}.`);
    }
    this.asOf = options.asOf ?? new Date().toISOString().slice(0, 10);
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(this.asOf);
    if (!match || Number.isNaN(Date.parse(`${this.asOf}T00:00:00Z`))) throw new RangeError(`The demo's as-of day must be YYYY-MM-DD, got "${this.asOf}".`);
    this.asOfDay = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
    const rotation = 6 + new Stream(this.seed, 'plat').between(0, 10);
    this.layout = new GridLayout(this.propertyCount, DEMO_CENTRE, rotation);
    this.name = `${DEMO_TOWN}, ${DEMO_STATE} (demo)`;
    this.bbox = this.layout.bbox();
    this.streets = streetNames(this.seed, this.layout.streetCount);
    this.streetByKey = new Map(this.streets.map((street, index) => [addressKey(street.county), index]));

    // One box per lot in plain metres (east, north of the centre); a lot holds its house.
    this.lots = new Flatbush(this.propertyCount);
    for (let i = 0; i < this.propertyCount; i += 1) {
      const ring = lotRing(this.layout, this.layout.slot(i));
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      for (let k = 0; k < 4; k += 1) {
        const [x, y] = this.layout.toPlain(ring[k]![0], ring[k]![1]);
        minX = Math.min(minX, x);
        minY = Math.min(minY, y);
        maxX = Math.max(maxX, x);
        maxY = Math.max(maxY, y);
      }
      this.lots.add(minX, minY, maxX, maxY);
    }
    this.lots.finish();
  }

  /** House `index` (0 ≤ index < propertyCount), generated on demand. */
  house(index: number): DemoHouse {
    return generateHouse(this.seed, this.layout, index, this.asOfDay);
  }

  *houses(): Generator<DemoHouse> {
    for (let i = 0; i < this.propertyCount; i += 1) yield this.house(i);
  }

  street(slot: LotSlot): StreetName {
    return this.streets[slot.street]!;
  }

  postcode(slot: LotSlot): string {
    return POSTCODES[Math.min(POSTCODES.length - 1, Math.floor((POSTCODES.length * slot.blockCol) / this.layout.blockCols))]!;
  }

  /** The address as a county roll or a property-records API writes it ("123 AMBERLEAF DR"). */
  countyAddress(house: DemoHouse): PostalAddress {
    return { houseNumber: String(house.houseNumber), street: this.street(house.slot).county, unit: null, city: DEMO_TOWN.toUpperCase(), state: DEMO_STATE, postcode: this.postcode(house.slot) };
  }

  /** The address as a permit portal writes it ("123 Amberleaf Dr"). */
  portalAddress(house: DemoHouse): PostalAddress {
    return { houseNumber: String(house.houseNumber), street: this.street(house.slot).short, unit: null, city: DEMO_TOWN, state: DEMO_STATE, postcode: this.postcode(house.slot) };
  }

  oneLineAddress(house: DemoHouse): string {
    return `${house.houseNumber} ${this.street(house.slot).full}, ${DEMO_TOWN}, ${DEMO_STATE} ${this.postcode(house.slot)}`;
  }

  /** Indexes of the houses whose centroid lies in the box (edges included), ascending. */
  houseIndexesIn(bbox: BBox): number[] {
    const [west, south, east, north] = bbox;
    const [x0, y0] = this.layout.toPlain(west, south);
    const [x1, y1] = this.layout.toPlain(east, north);
    return this.lots
      .search(x0, y0, x1, y1)
      .sort((a, b) => a - b)
      .filter((index) => {
        const { lat, lng } = this.house(index).centroid;
        return lng >= west && lng <= east && lat >= south && lat <= north;
      });
  }

  buildingsIn(bbox: BBox): WorldBuilding[] {
    return this.houseIndexesIn(bbox).map((index) => this.building(this.house(index)));
  }

  building(house: DemoHouse): WorldBuilding {
    const street = this.street(house.slot);
    const tags: Record<string, string> = { building: house.buildingTag };
    if (!house.gaps.osmAddress) {
      tags['addr:housenumber'] = String(house.houseNumber);
      tags['addr:street'] = street.full;
      tags['addr:city'] = DEMO_TOWN;
      tags['addr:state'] = DEMO_STATE;
      tags['addr:postcode'] = this.postcode(house.slot);
    }
    // Mappers add levels now and then; roof material rarely.
    if (house.index % 3 === 0) tags['building:levels'] = String(house.stories);
    if (house.index % 41 === 0 && (house.roofMaterial === 'Metal' || house.roofMaterial.endsWith('tile'))) tags['roof:material'] = house.roofMaterial === 'Metal' ? 'metal' : 'roof_tiles';
    const firstNode = 2_000_000_000 + house.index * 8;
    const nodeIds = house.ring.slice(0, -1).map((_, k) => firstNode + k);
    nodeIds.push(firstNode);
    return { osmWayId: 900_000_000 + house.index, nodeIds, ring: house.ring, centroid: house.centroid, tags };
  }

  parcelsIn(bbox: BBox): WorldParcel[] {
    const [west, south, east, north] = bbox;
    const [x0, y0] = this.layout.toPlain(west, south);
    const [x1, y1] = this.layout.toPlain(east, north);
    const parcels: WorldParcel[] = [];
    for (const index of this.lots.search(x0, y0, x1, y1).sort((a, b) => a - b)) {
      const house = this.house(index);
      if (house.gaps.parcel) continue;
      const ring = lotRing(this.layout, house.slot);
      const centroid = { lng: (ring[0]![0] + ring[2]![0]) / 2, lat: (ring[0]![1] + ring[2]![1]) / 2 };
      if (centroid.lng < west || centroid.lng > east || centroid.lat < south || centroid.lat > north) continue;
      parcels.push(this.parcel(house, ring, centroid));
    }
    return parcels;
  }

  private parcel(house: DemoHouse, ring: WorldParcel['ring'], centroid: LatLng): WorldParcel {
    const { slot } = house;
    const block = slot.blockRow * this.layout.blockCols + slot.blockCol + 1;
    const marketValueUsd = house.gaps.parcelValue ? null : house.marketValueUsd;
    return {
      parcelId: `R-${String(block).padStart(4, '0')}-${slot.row === 0 ? 'A' : 'B'}${String(slot.lot + 1).padStart(2, '0')}`,
      ring,
      centroid: { lat: Math.round(centroid.lat * 1e7) / 1e7, lng: Math.round(centroid.lng * 1e7) / 1e7 },
      siteAddress: this.countyAddress(house),
      yearBuilt: house.gaps.parcelYearBuilt ? null : house.yearBuilt,
      // Texas appraisal districts cap homestead increases, so assessed trails market there.
      assessedValueUsd: marketValueUsd === null ? null : Math.round((marketValueUsd * (house.ownerOccupied ? 0.91 : 1)) / 1000) * 1000,
      marketValueUsd,
      homestead: house.ownerOccupied,
      landUse: 'A1 - Single Family Residential',
      livingAreaSqft: house.gaps.parcelLivingArea ? null : house.livingAreaSqft,
      ownerName: `DEMO OWNER ${String(house.index + 1).padStart(6, '0')}`,
    };
  }

  permits(): readonly WorldPermit[] {
    return (this.cachedPermits ??= buildPermits(this.seed, this.houses(), (house) => this.portalAddress(house)));
  }

  tracts(): readonly WorldTract[] {
    return (this.cachedTracts ??= buildTracts(this.seed, this.layout, this.asOfDay));
  }

  tractAt(point: LatLng): WorldTract | null {
    const grid = tractGrid(this.layout);
    const [u, v] = this.layout.toLocal(point.lng, point.lat);
    const cell = tractCellAt(this.layout, grid, u, v);
    if (!cell) return null;
    const code = tractCodeOf(grid, cell.col, cell.row);
    return this.tracts().find((tract) => tract.tractCode === code) ?? null;
  }

  private storms() {
    return (this.cachedStorms ??= generateStorms(this.seed, this.layout, new Date(`${this.asOf}T00:00:00Z`)));
  }

  stormReports(): readonly WorldStormReport[] {
    return this.storms().reports;
  }

  /** The hail swaths behind the reports, newest first (the demo's answer key). */
  hailSwaths(): readonly HailSwath[] {
    return this.storms().swaths;
  }

  propertyRecord(index: number): WorldPropertyRecord {
    const house = this.house(index);
    const s = new Stream(this.seed, 'property-record', index);
    return {
      recordId: String(160_000_000 + index),
      address: this.countyAddress(house),
      location: house.centroid,
      yearBuilt: house.yearBuilt,
      roofMaterial: house.roofMaterial,
      roofInstalledYear: house.roofInstalledYear,
      // An automated valuation, close to but not the county's figure.
      marketValueUsd: Math.round((house.marketValueUsd * s.between(0.95, 1.07)) / 1000) * 1000,
      ownerOccupied: house.ownerOccupied,
      livingAreaSqft: house.livingAreaSqft,
      stories: house.stories,
    };
  }

  propertyRecordAt(point: LatLng, maxMeters = 25): WorldPropertyRecord | null {
    const [x, y] = this.layout.toPlain(point.lng, point.lat);
    let best: { index: number; distance: number } | null = null;
    // The nearest lots, then the exact distance to their houses (a house sits off its lot's centre).
    for (const index of this.lots.neighbors(x, y, 4, maxMeters + LOTS_PER_ROW * 3)) {
      const { lat, lng } = this.house(index).centroid;
      const [hx, hy] = this.layout.toPlain(lng, lat);
      const distance = Math.hypot(hx - x, hy - y);
      if (distance <= maxMeters && (!best || distance < best.distance)) best = { index, distance };
    }
    return best ? this.propertyRecord(best.index) : null;
  }

  propertyRecordByAddress(oneLine: string): WorldPropertyRecord | null {
    const words = addressKey(oneLine).split(' ');
    const houseNumber = Number(words[0]);
    if (!Number.isInteger(houseNumber) || houseNumber <= 0) return null;
    // The longest run of words after the number that names a street ("123 AMBERLEAF DR BRAMBLECREST TX").
    for (let end = words.length; end > 1; end -= 1) {
      const street = this.streetByKey.get(words.slice(1, end).join(' '));
      if (street === undefined) continue;
      const index = this.layout.indexForNumber(street, houseNumber);
      return index === null ? null : this.propertyRecord(index);
    }
    return null;
  }
}

export function createDemoWorld(options: DemoWorldOptions = {}): DemoWorld {
  return new DemoWorld(options);
}
