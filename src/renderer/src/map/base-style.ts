import type { MapOptions } from 'maplibre-gl';
import type { BaseGeography } from './natural-earth';

export type StyleSpecification = Exclude<MapOptions['style'], string | undefined>;

export const NATURAL_EARTH_ATTRIBUTION = 'Natural Earth';

/** The continental United States, west/south/east/north. */
export const CONTINENTAL_US: [[number, number], [number, number]] = [
  [-124.8, 24.4],
  [-66.9, 49.4],
];

const US_NAME = 'United States of America';

export const MAP_COLOURS = {
  ocean: '#c9dbe6',
  land: '#eeebe3',
  homeLand: '#fbfaf7',
  border: '#9c9587',
  stateLine: '#c4bcaf',
  coast: '#7f9fb2',
  graticule: '#b5cad7',
} as const;

/**
 * The offline base map: a style built in code from bundled Natural Earth data. It references no
 * tile server, sprite or glyph URL, so it renders the same with no connection (and bulk-fetching
 * OSM tiles for offline use is against their policy anyway). No text layers: they would need glyphs.
 */
export function baseStyle(geography: BaseGeography): StyleSpecification {
  const attribution = NATURAL_EARTH_ATTRIBUTION;
  return {
    version: 8,
    name: 'Fish Mouth offline base',
    sources: {
      countries: { type: 'geojson', data: geography.countries, attribution, tolerance: 0.5 },
      borders: { type: 'geojson', data: geography.borders, tolerance: 0.5 },
      coastline: { type: 'geojson', data: geography.coastline, tolerance: 0.5 },
      graticule: { type: 'geojson', data: geography.graticule },
      states: { type: 'geojson', data: geography.stateLines, attribution: 'US Census Bureau', tolerance: 0.5 },
    },
    layers: [
      { id: 'ocean', type: 'background', paint: { 'background-color': MAP_COLOURS.ocean } },
      {
        id: 'graticule',
        type: 'line',
        source: 'graticule',
        paint: { 'line-color': MAP_COLOURS.graticule, 'line-width': 0.6, 'line-opacity': 0.7 },
      },
      {
        id: 'land',
        type: 'fill',
        source: 'countries',
        paint: { 'fill-color': MAP_COLOURS.land, 'fill-antialias': false },
      },
      {
        id: 'home-country',
        type: 'fill',
        source: 'countries',
        filter: ['==', ['get', 'name'], US_NAME],
        paint: { 'fill-color': MAP_COLOURS.homeLand, 'fill-antialias': false },
      },
      {
        id: 'state-lines',
        type: 'line',
        source: 'states',
        layout: { 'line-join': 'round' },
        paint: {
          'line-color': MAP_COLOURS.stateLine,
          'line-width': ['interpolate', ['linear'], ['zoom'], 2, 0.4, 8, 1.2],
        },
      },
      {
        id: 'coastline',
        type: 'line',
        source: 'coastline',
        layout: { 'line-join': 'round' },
        paint: {
          'line-color': MAP_COLOURS.coast,
          'line-width': ['interpolate', ['linear'], ['zoom'], 1, 0.6, 6, 1.4],
        },
      },
      {
        id: 'country-borders',
        type: 'line',
        source: 'borders',
        layout: { 'line-join': 'round' },
        paint: {
          'line-color': MAP_COLOURS.border,
          'line-width': ['interpolate', ['linear'], ['zoom'], 1, 0.6, 6, 1.6],
          'line-dasharray': [3, 2],
        },
      },
    ],
  };
}
