import type { Feature, FeatureCollection, Geometry, MultiLineString } from 'geojson';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
// Note: bundled into the app (≈750 KB) so the base map draws with no network at all. Natural Earth
// 1:50m is public domain; world-atlas is its TopoJSON packaging.
import countries50m from 'world-atlas/countries-50m.json';
// US state lines from the Census Bureau's cartographic boundaries (public domain), packaged by us-atlas.
import states10m from 'us-atlas/states-10m.json';

export interface CountryProperties {
  name: string;
}

export interface BaseGeography {
  countries: FeatureCollection<Geometry, CountryProperties>;
  /** Land borders between countries, each drawn once. */
  borders: Feature<MultiLineString>;
  /** Where a country meets the sea. */
  coastline: Feature<MultiLineString>;
  /** Borders between US states, each drawn once. */
  stateLines: Feature<MultiLineString>;
  /** Meridians and parallels every 10°. */
  graticule: FeatureCollection<MultiLineString>;
}

type CountriesTopology = Topology<{ countries: GeometryCollection<CountryProperties> }>;
type StatesTopology = Topology<{ states: GeometryCollection<{ name: string }> }>;

function asFeature(geometry: MultiLineString): Feature<MultiLineString> {
  return { type: 'Feature', properties: {}, geometry };
}

function graticule(stepDegrees: number): FeatureCollection<MultiLineString> {
  const meridians: number[][][] = [];
  for (let lon = -180; lon <= 180; lon += stepDegrees) {
    const line: number[][] = [];
    for (let lat = -80; lat <= 80; lat += 2) line.push([lon, lat]);
    meridians.push(line);
  }
  const parallels: number[][][] = [];
  for (let lat = -80; lat <= 80; lat += stepDegrees) {
    const line: number[][] = [];
    for (let lon = -180; lon <= 180; lon += 2) line.push([lon, lat]);
    parallels.push(line);
  }
  return {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { kind: 'meridian' }, geometry: { type: 'MultiLineString', coordinates: meridians } },
      { type: 'Feature', properties: { kind: 'parallel' }, geometry: { type: 'MultiLineString', coordinates: parallels } },
    ],
  };
}

function stateLines(): Feature<MultiLineString> {
  const states = states10m as unknown as StatesTopology;
  return asFeature(mesh(states, states.objects.states, (a, b) => a !== b));
}

let cached: BaseGeography | null = null;

/** The world's countries as GeoJSON, converted once from the bundled TopoJSON. */
export function baseGeography(): BaseGeography {
  if (cached) return cached;
  const topology = countries50m as unknown as CountriesTopology;
  const object = topology.objects.countries;
  cached = {
    countries: feature(topology, object) as FeatureCollection<Geometry, CountryProperties>,
    borders: asFeature(mesh(topology, object, (a, b) => a !== b)),
    coastline: asFeature(mesh(topology, object, (a, b) => a === b)),
    stateLines: stateLines(),
    graticule: graticule(10),
  };
  return cached;
}
