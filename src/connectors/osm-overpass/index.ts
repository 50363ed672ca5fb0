/** OpenStreetMap buildings: the Overpass connector, its parsers (JSON answers, OSM XML files) and its emulator. */
export { fetchBuildings, fetchOverpassStatus, type FetchBuildingsOptions, type FetchedBuildings } from './connector';
export { overpassEmulator } from './emulator';
export { OSM_ATTRIBUTION } from './observation';
export type { SkipCount } from './osm-elements';
export { parseOsmXml, type OsmXmlInput, type ParseOsmXmlOptions } from './osm-xml';
export {
  DEFAULT_MAX_ANSWER_BYTES,
  OVERPASS_SOURCE,
  describeOverpassErrorPage,
  parseOverpassJson,
  parseOverpassStatus,
  type OverpassBuildings,
  type OverpassStatus,
  type ParseOverpassOptions,
} from './parse';
export { buildingsQuery, type BuildingArea, type BuildingsQueryOptions } from './query';
