/** Google Static Maps satellite imagery (paid; never stored): connector and emulator. */
export {
  FLAT_IMAGE_SPREAD,
  GOOGLE_MAX_SIZE,
  GOOGLE_MAX_ZOOM,
  GOOGLE_STATIC_MAPS_API_KEY_SECRET,
  GOOGLE_STATIC_MAPS_SOURCE_ID,
  fetchGoogleSatellite,
  googleGrid,
  googleGroundResolution,
  googleZoomFor,
  type GoogleSatellite,
  type GoogleSatelliteRequest,
} from './connector';
export { googleStaticMapsEmulator } from './emulator';
