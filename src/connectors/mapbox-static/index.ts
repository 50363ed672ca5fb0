/** Mapbox Static Images satellite imagery (paid; never stored): connector and emulator. */
export {
  MAPBOX_ACCESS_TOKEN_SECRET,
  MAPBOX_MAX_SIZE,
  MAPBOX_MAX_ZOOM,
  MAPBOX_STATIC_SOURCE_ID,
  fetchMapboxSatellite,
  mapboxGrid,
  mapboxGroundResolution,
  mapboxStaticPath,
  mapboxZoomFor,
  type MapboxSatellite,
  type MapboxSatelliteRequest,
} from './connector';
export { mapboxStaticEmulator } from './emulator';
