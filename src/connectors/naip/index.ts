/** USGS NAIP aerial imagery (free, public domain): export planning, connector, emulator. */
export { DEFAULT_NAIP_LIMITS, MAX_NAIP_PARTS, planNaipExports, type NaipExportLimits, type NaipExportPart, type NaipExportPlan } from './plan';
export { NAIP_SOURCE_ID, arcgisErrorOf, parseCaptureDate, parseExportJson, parseNaipServiceInfo, type ArcgisError, type NaipServiceInfo } from './parse';
export {
  exportNaipImage,
  exportQuery,
  fetchNaipCaptureDate,
  fetchNaipMosaic,
  fetchNaipServiceInfo,
  forgetNaipServiceInfo,
  type NaipCallOptions,
  type NaipExport,
  type NaipExportRequest,
  type NaipFormat,
  type NaipMosaic,
  type NaipMosaicRequest,
} from './connector';
export { inspectImage, type ImageInspection } from './image-check';
export { naipEmulator } from './emulator';
