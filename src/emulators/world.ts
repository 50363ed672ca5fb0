import type { BBox, LatLng, LngLat } from '../core/domain/geo';
import type { CensusAreaFigures, PostalAddress, StormKind } from '../core/domain/records';

/**
 * The ground truth a set of loopback emulators serves: buildings, parcels, permits, census tracts,
 * storm reports and paid property records of one place. The demo territory generator (src/demo)
 * builds one deterministically; tests build small ones by hand. Each connector's emulator formats
 * this truth exactly as the real service would (Overpass JSON, ArcGIS f=json, SODA rows, SPC CSV…),
 * so the real parsers and the real pipeline run end to end against it.
 */

export interface WorldBuilding {
  /** OSM way id (positive). */
  osmWayId: number;
  /** OSM node ids of the ring, first repeated last, one per position of `ring`. */
  nodeIds: number[];
  /** Closed ring, [lng, lat]. */
  ring: LngLat[];
  centroid: LatLng;
  /** OSM tags: building=house|detached|yes…, addr:housenumber, addr:street, addr:city, addr:postcode, addr:state, roof:material… */
  tags: Record<string, string>;
}

export interface WorldParcel {
  parcelId: string;
  ring: LngLat[];
  centroid: LatLng;
  siteAddress: PostalAddress;
  yearBuilt: number | null;
  assessedValueUsd: number | null;
  marketValueUsd: number | null;
  /** Homestead exemption: the owner lives there. */
  homestead: boolean;
  landUse: string;
  livingAreaSqft: number | null;
  /** Synthetic in the demo; real county data holds real names, which the app never shows. */
  ownerName: string;
}

export interface WorldPermit {
  permitNumber: string;
  issuedAt: string;
  description: string;
  workClass: string;
  isRoofing: boolean;
  valuationUsd: number | null;
  address: PostalAddress;
  location: LatLng;
}

export interface WorldTract {
  /** 11-digit tract GEOID: state (2) + county (3) + tract (6). */
  geoid: string;
  stateFips: string;
  countyFips: string;
  tractCode: string;
  name: string;
  ring: LngLat[];
  figures: CensusAreaFigures;
}

export interface WorldStormReport {
  kind: StormKind;
  /** UTC instant. */
  occurredAt: string;
  location: LatLng;
  hailSizeInches: number | null;
  windSpeedKnots: number | null;
  tornadoScale: string | null;
  place: string;
  county: string;
  state: string;
  comments: string;
}

/** What a paid property-records API knows about one address (the demo's truth for roofs). */
export interface WorldPropertyRecord {
  recordId: string;
  address: PostalAddress;
  location: LatLng;
  yearBuilt: number;
  roofMaterial: string;
  /** Year of the last roof replacement, or the build year. */
  roofInstalledYear: number;
  marketValueUsd: number;
  ownerOccupied: boolean;
  livingAreaSqft: number;
  stories: number;
}

export interface World {
  readonly name: string;
  readonly bbox: BBox;
  buildingsIn(bbox: BBox): WorldBuilding[];
  parcelsIn(bbox: BBox): WorldParcel[];
  permits(): readonly WorldPermit[];
  tracts(): readonly WorldTract[];
  tractAt(point: LatLng): WorldTract | null;
  stormReports(): readonly WorldStormReport[];
  /** Paid records are looked up by normalised one-line address or nearest location. */
  propertyRecordAt(point: LatLng, maxMeters?: number): WorldPropertyRecord | null;
  propertyRecordByAddress(oneLine: string): WorldPropertyRecord | null;
}
